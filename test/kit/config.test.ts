import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { z } from 'zod';
import { ConfigError, baseConfigSchema, loadConfig, port, urlList } from '@switchyard/kit/config';

const config = suite('loadConfig');
const schema = baseConfigSchema.extend({ HTTP_PORT: port(8080), DATABASE_URL: z.url(), UPSTREAMS: urlList() });

config('applies defaults and returns a frozen object', () => {
  const loaded = loadConfig(schema, { DATABASE_URL: 'postgres://db/x', UPSTREAMS: 'http://a:1, http://b:2' });
  assert.is(loaded.HTTP_PORT, 8080);
  assert.is(loaded.SHUTDOWN_DRAIN_DELAY_MS, 0);
  assert.equal(loaded.UPSTREAMS, ['http://a:1', 'http://b:2']);
  assert.ok(Object.isFrozen(loaded));
  assert.ok(Object.isFrozen(loaded.UPSTREAMS));
});

config('lists every bad or missing variable at once', () => {
  try {
    loadConfig(schema, { HTTP_PORT: 'eighty', LOG_LEVEL: 'loud', UPSTREAMS: 'ftp://x' });
    assert.unreachable('should have thrown');
  } catch (err) {
    assert.instance(err, ConfigError);
    const names = (err as ConfigError).problems.map((p) => p.split(':')[0]);
    assert.equal(names.sort(), ['DATABASE_URL', 'HTTP_PORT', 'LOG_LEVEL', 'UPSTREAMS.0']);
    assert.ok((err as ConfigError).problems.includes('DATABASE_URL: is required'));
  }
});

config('treats an empty variable as unset', () => {
  const loaded = loadConfig(schema, { DATABASE_URL: 'postgres://db/x', UPSTREAMS: 'http://a', LOG_LEVEL: '' });
  assert.is(loaded.LOG_LEVEL, 'info');
});

config.run();
