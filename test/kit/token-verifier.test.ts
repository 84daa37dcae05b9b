import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { JSONWebKeySet } from 'jose';
import { UnavailableError } from '@switchyard/kit/errors';
import { KeySetCache, TokenVerifier } from '@switchyard/kit/token-verifier';
import { eventually } from '../support/broker.js';
import { ed25519Pem } from '../support/keys.js';
import { capturedLogger } from '../support/logs.js';
import { jwksOf, signToken } from '../support/tokens.js';

const keys = suite('KeySetCache');

/** A key set fetch that fails while `down` is true (as users does before it listens), and counts its calls. */
function issuer(jwks: JSONWebKeySet) {
  const state = { down: true, calls: 0 };
  const fetchKeySet = async () => {
    state.calls += 1;
    if (state.down) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8081'), { code: 'ECONNREFUSED' });
    return jwks;
  };
  return { state, fetchKeySet };
}

/** Each line's level and message. */
const said = (lines: string[]) => lines.map((line) => JSON.parse(line) as { level: string; msg: string }).map(({ level, msg }) => ({ level, msg }));

keys('a warm-up before the issuer listens logs at debug, and the first token fetches the keys again', async () => {
  const pem = ed25519Pem();
  const { state, fetchKeySet } = issuer(await jwksOf(pem));
  const { log, lines } = capturedLogger('orders');
  const cache = new KeySetCache(fetchKeySet, 60_000, log);
  cache.warm();
  await eventually(async () => lines.length === 1 || undefined, 5_000, 'the warm-up failure logged');
  assert.equal(said(lines), [{ level: 'debug', msg: 'the signing keys could not be fetched yet; the first token fetches them again' }]);

  state.down = false;
  const verifier = new TokenVerifier(cache.getKey, { issuer: 'switchyard-users', maxAgeSeconds: 3600 });
  const payload = await verifier.verify(await signToken(pem, { sub: 'u-1' }), 'switchyard');
  assert.is(payload.sub, 'u-1');
  assert.is(state.calls, 2, 'fetched again for the first token, within the cooldown');
  assert.is(lines.length, 1, 'nothing more logged');
});

keys('a token that cannot be verified for want of keys is a warning and 503 auth_unavailable', async () => {
  const pem = ed25519Pem();
  const { state, fetchKeySet } = issuer(await jwksOf(pem));
  const { log, lines } = capturedLogger('orders');
  const verifier = new TokenVerifier(new KeySetCache(fetchKeySet, 60_000, log).getKey, { issuer: 'switchyard-users', maxAgeSeconds: 3600 });
  const err = await verifier.verify(await signToken(pem), 'switchyard').then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.instance(err, UnavailableError);
  assert.is((err as UnavailableError).code, 'auth_unavailable');
  assert.is((err as UnavailableError).status, 503);
  assert.is(state.calls, 1);
  assert.equal(said(lines), [{ level: 'warn', msg: 'the signing keys could not be fetched' }]);
});

keys.run();
