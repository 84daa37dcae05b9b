import pg from 'pg';

/** A user registered and logged in through a system's gateway, for a bench to act as. */
export interface BenchUser {
  id: string;
  email: string;
  token: string;
}

/** Registers a fresh user through the gateway and logs them in; throws with the status that refused. */
export async function signUp(gatewayUrl: string, prefix = 'bench'): Promise<BenchUser> {
  const post = (path: string, body: unknown) => fetch(`${gatewayUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const email = `${prefix}-${Date.now()}-${Math.random().toString(16).slice(2)}@example.com`;
  const password = 'bench password 1';
  const created = await post('/api/users', { email, password, name: 'Bench' });
  const user = (await created.json()) as { id?: string };
  const login = await post('/api/sessions', { email, password });
  const session = (await login.json()) as { token?: string };
  if (created.status !== 201 || !user.id || login.status !== 200 || !session.token) {
    throw new Error(`registering a bench user answered ${created.status}, logging in ${login.status}`);
  }
  return { id: user.id, email, token: session.token };
}

/**
 * Stock of every product set high enough for any run (the seed holds a few hundred units in all):
 * written straight into catalog's database of a system the bench started, a set-up step, not an API call.
 */
export async function topUpStock(superuserUrl: string, units = 1_000_000): Promise<void> {
  const url = new URL(superuserUrl);
  url.pathname = '/switchyard_catalog';
  const client = new pg.Client({ connectionString: url.href });
  await client.connect();
  try {
    await client.query('UPDATE products SET stock = $1', [units]);
  } finally {
    await client.end();
  }
}
