import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError } from '@switchyard/kit/config';
import { readConfig } from '@switchyard/gateway/config';

const config = suite('gateway readConfig: edge settings');

config('parses rate limits written <requests>/<seconds>s and has defaults for every edge setting', () => {
  const parsed = readConfig({ RATE_LIMIT_SESSIONS: '5/30s' });
  assert.equal(parsed.RATE_LIMIT_SESSIONS, { points: 5, seconds: 30 });
  assert.equal(parsed.RATE_LIMIT_IP, { points: 6000, seconds: 60 });
  assert.equal(
    [parsed.TRUSTED_PROXIES, parsed.SSE_MAX_STREAMS_PER_USER, parsed.SSE_MAX_STREAMS, parsed.UPSTREAM_RETRY_BUDGET_RATIO, parsed.LOAD_SHED_EVENT_LOOP_DELAY_MS],
    [0, 5, 2000, 0.1, 1000],
  );
});

config('names every bad or contradictory edge setting', () => {
  try {
    readConfig({
      RATE_LIMIT_IP: '600 per minute',
      RATE_LIMIT_USER: '0/60s',
      TRUSTED_PROXIES: '-1',
      UPSTREAM_BREAKER_FAILURE_RATIO: '1',
    });
    assert.unreachable('the configuration was accepted');
  } catch (err) {
    assert.instance(err, ConfigError);
    assert.equal((err as ConfigError).problems, [
      'UPSTREAM_BREAKER_FAILURE_RATIO: must be more than 0 and less than 1',
      'TRUSTED_PROXIES: Too small: expected number to be >=0',
      'RATE_LIMIT_IP: must be <requests>/<seconds>s with both at least 1, e.g. 600/60s',
      'RATE_LIMIT_USER: must be <requests>/<seconds>s with both at least 1, e.g. 600/60s',
    ]);
  }
  // Settings wrong together are checked once each is valid on its own.
  try {
    readConfig({ UPSTREAM_EJECTION_BASE_MS: '10000', UPSTREAM_EJECTION_MAX_MS: '5000', SSE_MAX_STREAMS: '3', SSE_MAX_STREAMS_PER_USER: '5' });
    assert.unreachable('the configuration was accepted');
  } catch (err) {
    assert.equal((err as ConfigError).problems, ['UPSTREAM_EJECTION_MAX_MS: must be at least UPSTREAM_EJECTION_BASE_MS (10000)', 'SSE_MAX_STREAMS_PER_USER: must be at most SSE_MAX_STREAMS (3)']);
  }
});

config.run();
