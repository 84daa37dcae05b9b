import { notify } from '@switchyard/kit/pg-notify';
import type { Pool, PoolClient } from '@switchyard/kit/postgres';

/** A notification as the API shows it. */
export interface Notification {
  id: string;
  type: string;
  message: string;
  createdAt: string;
  orderId?: string;
}

/** A stored notification with its position among its user's (the SSE event id and the list cursor). */
export interface StoredNotification {
  seq: number;
  notification: Notification;
}

export interface NewNotification {
  userId: string;
  type: string;
  message: string;
  orderId?: string | undefined;
  eventId: string;
}

/** The channel on which every replica hears that a user has something new (fires on commit). */
export const NOTIFY_CHANNEL = 'notifications';

/** What a NOTIFY on the channel says: whose notification committed, and at which position. */
export function notifyPayload(userId: string, seq: number): string {
  return `${userId}:${seq}`;
}

/** Reads a NOTIFY payload; the position is missing in payloads of older replicas (the user id alone). */
export function parseNotifyPayload(payload: string): { userId: string; seq?: number } {
  const [userId, seq] = payload.split(':');
  return seq && /^\d+$/.test(seq) ? { userId: userId!, seq: Number(seq) } : { userId: userId! };
}

interface Row {
  user_seq: string;
  id: string;
  type: string;
  message: string;
  order_id: string | null;
  created_at: Date;
}

const COLUMNS = 'user_seq, id, type, message, order_id, created_at';

function fromRow(row: Row): StoredNotification {
  return {
    seq: Number(row.user_seq),
    notification: {
      id: row.id,
      type: row.type,
      message: row.message,
      createdAt: row.created_at.toISOString(),
      ...(row.order_id ? { orderId: row.order_id } : {}),
    },
  };
}

/**
 * Stores a notification inside the caller's transaction at the user's next position, and tells every
 * replica after commit. The position is taken under the user's row lock, held until commit: a
 * concurrent insert for the same user waits, so positions become visible in order and a stream that
 * has sent position n never sees n - 1 appear later.
 */
export async function insertNotification(db: PoolClient, input: NewNotification): Promise<number> {
  const { rows } = await db.query<{ last_seq: string }>(
    'INSERT INTO user_sequences (user_id, last_seq) VALUES ($1, 1) ON CONFLICT (user_id) DO UPDATE SET last_seq = user_sequences.last_seq + 1 RETURNING last_seq',
    [input.userId],
  );
  const seq = Number(rows[0]!.last_seq);
  await db.query('INSERT INTO notifications (user_id, user_seq, type, message, order_id, event_id) VALUES ($1, $2, $3, $4, $5, $6)', [
    input.userId,
    seq,
    input.type,
    input.message,
    input.orderId ?? null,
    input.eventId,
  ]);
  await notify(db, NOTIFY_CHANNEL, notifyPayload(input.userId, seq));
  return seq;
}

/** A user's notifications, newest first, before an optional position. */
export async function listNewestFirst(pool: Pool, userId: string, limit: number, beforeSeq?: number): Promise<StoredNotification[]> {
  const { rows } = await pool.query<Row>(`SELECT ${COLUMNS} FROM notifications WHERE user_id = $1 AND user_seq < $2 ORDER BY user_seq DESC LIMIT $3`, [
    userId,
    beforeSeq ?? Number.MAX_SAFE_INTEGER,
    limit,
  ]);
  return rows.map(fromRow);
}

/** A user's notifications after a position, oldest first (what a stream has not sent yet). */
export async function listAfter(pool: Pool, userId: string, afterSeq: number, limit: number): Promise<StoredNotification[]> {
  const { rows } = await pool.query<Row>(`SELECT ${COLUMNS} FROM notifications WHERE user_id = $1 AND user_seq > $2 ORDER BY user_seq LIMIT $3`, [userId, afterSeq, limit]);
  return rows.map(fromRow);
}

/** The newest committed position of a user (0 without notifications). */
export async function latestSeq(pool: Pool, userId: string): Promise<number> {
  const { rows } = await pool.query<{ last_seq: string }>('SELECT last_seq FROM user_sequences WHERE user_id = $1', [userId]);
  return Number(rows[0]?.last_seq ?? 0);
}
