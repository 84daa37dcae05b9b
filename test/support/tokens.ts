import { createPrivateKey, createPublicKey } from 'node:crypto';
import { SignJWT, calculateJwkThumbprint, exportJWK, type JWK, type JWTPayload } from 'jose';

/** The RFC 7638 thumbprint the users service uses as kid for this private key. */
export async function kidOf(pem: string): Promise<string> {
  return calculateJwkThumbprint(await exportJWK(createPublicKey(createPrivateKey(pem))));
}

/** The JWKS the users service would publish for this private key. */
export async function jwksOf(pem: string): Promise<{ keys: JWK[] }> {
  const jwk = await exportJWK(createPublicKey(createPrivateKey(pem)));
  return { keys: [{ ...jwk, kid: await calculateJwkThumbprint(jwk), alg: 'EdDSA', use: 'sig' }] };
}

export interface TokenShape {
  sub?: string;
  iss?: string;
  aud?: string;
  /** Seconds from now; negative for an expired token. */
  expiresIn?: number;
  /** When it was issued, in seconds from now (default -60). */
  issuedIn?: number;
  kid?: string;
  extra?: JWTPayload;
}

/** Signs a token the way an attacker or a test wants it shaped. */
export async function signToken(pem: string, shape: TokenShape = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ ...shape.extra })
    .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', kid: shape.kid ?? (await kidOf(pem)) })
    .setSubject(shape.sub ?? '00000000-0000-4000-8000-000000000001')
    .setIssuedAt(now + (shape.issuedIn ?? -60))
    .setExpirationTime(now + (shape.expiresIn ?? 600))
    .setIssuer(shape.iss ?? 'switchyard-users')
    .setAudience(shape.aud ?? 'switchyard')
    .sign(createPrivateKey(pem));
}

/** An unsigned token (`alg: none`) with the given payload. */
export function unsignedToken(payload: JWTPayload): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(payload)}.`;
}
