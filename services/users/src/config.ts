import { createPrivateKey } from 'node:crypto';
import { z } from 'zod';
import { amqpConfig, baseConfigSchema, databaseConfig, grpcServerConfig, listenerConfig, loadConfig, outboxConfig } from '@switchyard/kit/config';

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
  JWT_ISSUER: z.string().min(1).default('switchyard-users'),
  JWT_AUDIENCE: z.string().min(1).default('switchyard'),
  JWT_TTL_SECONDS: z.coerce.number().int().min(60).max(86_400).default(3600),
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
