import { ConflictError } from '@switchyard/kit/errors';
import { isUniqueViolation, type Pool, type PoolClient } from '@switchyard/kit/postgres';

/** A user as every API shows it: never with credentials. */
export interface User {
  id: string;
  email: string;
  name: string;
}

type Queryable = Pool | PoolClient;

/** Inserts a user; a taken email (in any letter case) is a 409 email_taken. */
export async function insertUser(db: Queryable, input: { email: string; name: string; passwordHash: string }): Promise<User> {
  try {
    const { rows } = await db.query<User>(
      'INSERT INTO users (email, name, password_hash) VALUES ($1, $2, $3) RETURNING id, email, name',
      [input.email, input.name, input.passwordHash],
    );
    return rows[0]!;
  } catch (err) {
    if (isUniqueViolation(err, 'users_email_key')) {
      throw new ConflictError('email_taken', 'A user with this email already exists.');
    }
    throw err;
  }
}

/** The user and password hash for an email (already normalised), if any. */
export async function findCredentials(db: Queryable, email: string): Promise<{ user: User; passwordHash: string } | undefined> {
  const { rows } = await db.query<User & { password_hash: string }>(
    'SELECT id, email, name, password_hash FROM users WHERE email = $1',
    [email],
  );
  const row = rows[0];
  return row && { user: { id: row.id, email: row.email, name: row.name }, passwordHash: row.password_hash };
}

/** The user with this id, if any. */
export async function findUser(db: Queryable, id: string): Promise<User | undefined> {
  const { rows } = await db.query<User>('SELECT id, email, name FROM users WHERE id = $1', [id]);
  return rows[0];
}
