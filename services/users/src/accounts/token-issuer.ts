import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { SignJWT, calculateJwkThumbprint, exportJWK, type JWK } from 'jose';
import { serviceAudience } from '@switchyard/kit/token-verifier';

export interface TokenSettings {
  issuer: string;
  audience: string;
  ttlSeconds: number;
  /** Lifetime of a service token (a calling service keeps it and asks again before it expires). */
  serviceTtlSeconds: number;
}

/** Signs session tokens with the configured Ed25519 key and publishes its public half as a JWKS. */
export class TokenIssuer {
  private constructor(
    private readonly privateKey: KeyObject,
    private readonly publicJwk: JWK & { kid: string },
    private readonly settings: TokenSettings,
  ) {}

  /** Builds an issuer from a PKCS#8 PEM; the key id is the RFC 7638 thumbprint of the public key. */
  static async fromPem(pem: string, settings: TokenSettings): Promise<TokenIssuer> {
    const privateKey = createPrivateKey(pem);
    const jwk = await exportJWK(createPublicKey(privateKey));
    const kid = await calculateJwkThumbprint(jwk);
    return new TokenIssuer(privateKey, { ...jwk, kid, alg: 'EdDSA', use: 'sig' }, settings);
  }

  /** A signed JWT for the user with sub, iat, exp, iss, aud and kid. */
  issue(userId: string, now = new Date()): Promise<{ token: string; expiresAt: string }> {
    return this.#sign(userId, this.settings.audience, this.settings.ttlSeconds, now);
  }

  /** A short-lived JWT naming a service (sub), for calls to another service (aud). */
  issueService(client: string, audienceService: string, now = new Date()): Promise<{ token: string; expiresAt: string }> {
    return this.#sign(client, serviceAudience(audienceService), this.settings.serviceTtlSeconds, now);
  }

  async #sign(subject: string, audience: string, ttlSeconds: number, now: Date): Promise<{ token: string; expiresAt: string }> {
    const issuedAt = Math.floor(now.getTime() / 1000);
    const expiresAt = issuedAt + ttlSeconds;
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', kid: this.publicJwk.kid })
      .setSubject(subject)
      .setIssuedAt(issuedAt)
      .setExpirationTime(expiresAt)
      .setIssuer(this.settings.issuer)
      .setAudience(audience)
      .sign(this.privateKey);
    return { token, expiresAt: new Date(expiresAt * 1000).toISOString() };
  }

  /** The JSON Web Key Set verifiers fetch. */
  jwks(): { keys: JWK[] } {
    return { keys: [this.publicJwk] };
  }
}
