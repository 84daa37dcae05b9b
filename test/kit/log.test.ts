import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { REDACTED_PATHS } from '@switchyard/kit/log';
import { capturedLogger } from '../support/logs.js';

const logger = suite('createLogger');

logger('redacts passwords, tokens, authorization and cookies at the paths a line can carry them', () => {
  const { log, lines } = capturedLogger('redaction');
  log.info(
    {
      password: 'hunter22',
      body: { password: 'hunter22', email: 'a@b.c' },
      req: { headers: { authorization: 'Bearer abc.def.ghi', cookie: 'sid=1' } },
      token: 'abc.def.ghi',
      res: { headers: { 'set-cookie': 'sid=2' } },
    },
    'something happened',
  );
  assert.is(lines.length, 1);
  assert.not.match(lines[0]!, /hunter22|abc\.def\.ghi|sid=1|sid=2/);
  const entry = JSON.parse(lines[0]!);
  assert.is(entry.password, '[redacted]');
  assert.is(entry.body.password, '[redacted]');
  assert.is(entry.body.email, 'a@b.c');
  assert.is(entry.req.headers.authorization, '[redacted]');
  assert.is(entry.token, '[redacted]');
  assert.is(entry.res.headers['set-cookie'], '[redacted]');
});

logger('names every redacted path explicitly: no wildcard, which would run redaction over every value of every line', () => {
  assert.equal(REDACTED_PATHS.filter((path) => path.includes('*')), []);
});

logger('writes the level as a label with the service name and an ISO time', () => {
  const { log, lines } = capturedLogger('labels');
  log.warn({ orderId: 'o1' }, 'careful');
  const entry = JSON.parse(lines[0]!);
  assert.is(entry.level, 'warn');
  assert.is(entry.service, 'labels');
  assert.is(entry.orderId, 'o1');
  assert.match(entry.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
});

logger.run();
