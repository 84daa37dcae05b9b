import { createPrivateKey } from 'node:crypto';
import { z } from 'zod';
import { amqpConfig, baseConfigSchema, databaseConfig, grpcServerConfig, listenerConfig, loadConfig, outboxConfig, tokenConfig } from '@switchyard/kit/config';

function isEd25519PrivateKey(pem: string): boolean {
  try {
    return createPrivateKey(pem).asymmetricKeyType === 'ed25519';
  } catch {
    return false;
  }
}

const schema = baseConfigSchema.extend({
  ...listenerConfig(8081),
  ...grpcServerConfig(9081),
  ...databaseConfig(),
  ...amqpConfig(),
  ...outboxConfig(),
  /** Ed25519 private key (PKCS#8 PEM) shared by every replica; `\n` escapes are accepted. */
  JWT_PRIVATE_KEY: z
    .string()
    .transform((pem) => pem.replace(/\\n/g, '\n'))
    .refine(isEd25519PrivateKey, 'must be an Ed25519 private key in PKCS#8 PEM form'),
  ...tokenConfig(),
  JWT_TTL_SECONDS: z.coerce.number().int().min(60).max(86_400).default(3600),
  /** The services that may get service tokens: `name:<hex sha256 of its secret>`, comma-separated. */
  SERVICE_CLIENTS: z
    .string()
    .transform((s) => s.split(',').map((part) => part.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^[a-z][a-z0-9-]*:[0-9a-f]{64}$/, 'must be name:<64 hex digits of sha256(secret)>')))
    .default([]),
  /** Lifetime of a service token. */
  SERVICE_TOKEN_TTL_SECONDS: z.coerce.number().int().min(30).max(3600).default(300),
  /** Failed logins in a row per account that cost nothing; each further failure doubles the pause. */
  LOGIN_FREE_FAILURES: z.coerce.number().int().min(1).max(100).default(5),
  /** The longest pause a failing account gets between two attempts. */
  LOGIN_MAX_DELAY_SECONDS: z.coerce.number().int().min(1).max(86_400).default(900),
  /** scrypt cost N (a power of two); 2^14 keeps a hash near 50 ms on one core. */
  PASSWORD_SCRYPT_COST: z.coerce
    .number()
    .int()
    .refine((n) => n >= 1024 && n <= 1_048_576 && (n & (n - 1)) === 0, 'must be a power of two between 1024 and 1048576')
    .default(16_384),
});

export type Config = z.output<typeof schema>;

/** Reads and validates the users service configuration once. */
export function readConfig(env: Record<string, string | undefined> = process.env): Readonly<Config> {
  return loadConfig(schema, env);
}
