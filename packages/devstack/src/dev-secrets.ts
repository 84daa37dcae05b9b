import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Secrets of the local system, made once and kept in the data directory (never committed). */
export interface DevSecrets {
  postgresPassword: string;
  databasePasswords: Record<string, string>;
  /** Client secrets of the services that call others (users issues them service tokens). */
  serviceSecrets: Record<string, string>;
  /** The dev JWT signing key (Ed25519, PKCS#8 PEM), shared by every users replica. */
  jwtPrivateKey: string;
}

const password = () => randomBytes(18).toString('hex');

/** Reads the secrets file, creating it (or the entries for new services) on first use. */
export async function loadDevSecrets(dataDir: string, databases: readonly string[], serviceClients: readonly string[] = []): Promise<DevSecrets> {
  const file = join(dataDir, 'secrets.json');
  let secrets: DevSecrets | undefined;
  if (existsSync(file)) secrets = JSON.parse(await readFile(file, 'utf8')) as DevSecrets;
  let changed = secrets === undefined;
  secrets ??= {
    postgresPassword: password(),
    databasePasswords: {},
    serviceSecrets: {},
    jwtPrivateKey: generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
  secrets.serviceSecrets ??= {};
  for (const client of serviceClients) {
    if (!secrets.serviceSecrets[client]) {
      secrets.serviceSecrets[client] = randomBytes(32).toString('base64url');
      changed = true;
    }
  }
  for (const db of databases) {
    if (!secrets.databasePasswords[db]) {
      secrets.databasePasswords[db] = password();
      changed = true;
    }
  }
  if (changed) {
    await mkdir(dataDir, { recursive: true });
    await writeFile(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  }
  return secrets;
}
