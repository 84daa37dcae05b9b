import { generateKeyPairSync } from 'node:crypto';

/** A new Ed25519 private key in PKCS#8 PEM, as the users service expects it. */
export function ed25519Pem(): string {
  return generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}
