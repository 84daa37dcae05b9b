import { createHash, timingSafeEqual } from 'node:crypto';
import { UnauthorizedError } from '@switchyard/kit/errors';

/**
 * The services that may ask for service tokens, and the SHA-256 of each one's secret (users never
 * holds the secrets themselves). Configured as `orders:<hex sha256>,…`; secrets are long random
 * strings, so a fast hash is enough and the comparison is constant-time.
 */
export class ServiceClients {
  constructor(private readonly hashes: ReadonlyMap<string, Buffer>) {}

  /** Parses the configured registry. */
  static parse(spec: readonly string[]): ServiceClients {
    return new ServiceClients(new Map(spec.map((entry) => [entry.split(':')[0]!, Buffer.from(entry.split(':')[1]!, 'hex')])));
  }

  /** The client id of a valid `Authorization: Basic` header; 401 invalid_client otherwise. */
  authenticate(authorization: string): string {
    const match = /^Basic +([A-Za-z0-9+/=]+)$/i.exec(authorization);
    const decoded = match ? Buffer.from(match[1]!, 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    const id = decoded.slice(0, colon);
    const expected = this.hashes.get(id);
    const given = createHash('sha256').update(decoded.slice(colon + 1)).digest();
    if (colon < 1 || !expected || !timingSafeEqual(given, expected)) {
      throw new UnauthorizedError('invalid_client', 'Unknown service or wrong secret.', { headers: { 'www-authenticate': 'Basic realm="service-tokens"' } });
    }
    return id;
  }
}
