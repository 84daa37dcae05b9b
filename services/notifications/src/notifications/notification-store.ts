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

/** A stored notification with its position (the SSE event id and the list cursor). */
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

interface Row {
  seq: string;
  id: string;
  type: string;
  message: string;
  order_id: string | null;
  created_at: Date;
}

function fromRow(row: Row): StoredNotification {
  return {
    seq: Number(row.seq),
    notification: {
      id: row.id,
      type: row.type,
      message: row.message,
      createdAt: row.created_at.toISOString(),
      ...(row.order_id ? { orderId: row.order_id } : {}),
    },
  };
}

/** Stores a notification inside the caller's transaction and tells every replica after commit. */
export async function insertNotification(db: PoolClient, input: NewNotification): Promise<void> {
  await db.query('INSERT INTO notifications (user_id, type, message, order_id, event_id) VALUES ($1, $2, $3, $4, $5)', [
    input.userId,
    input.type,
    input.message,
    input.orderId ?? null,
    input.eventId,
  ]);
  await notify(db, NOTIFY_CHANNEL, input.userId);
}

/** A user's notifications, newest first, before an optional position. */
export async function listNewestFirst(pool: Pool, userId: string, limit: number, beforeSeq?: number): Promise<StoredNotification[]> {
  const { rows } = await pool.query<Row>(
    'SELECT seq, id, type, message, order_id, created_at FROM notifications WHERE user_id = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3',
    [userId, beforeSeq ?? Number.MAX_SAFE_INTEGER, limit],
  );
  return rows.map(fromRow);
}

/** A user's notifications after a position, oldest first (what a stream has not sent yet). */
export async function listAfter(pool: Pool, userId: string, afterSeq: number, limit: number): Promise<StoredNotification[]> {
  const { rows } = await pool.query<Row>(
    'SELECT seq, id, type, message, order_id, created_at FROM notifications WHERE user_id = $1 AND seq > $2 ORDER BY seq LIMIT $3',
    [userId, afterSeq, limit],
  );
  return rows.map(fromRow);
}

/** The newest position of a user (0 without notifications). */
export async function latestSeq(pool: Pool, userId: string): Promise<number> {
  const { rows } = await pool.query<{ seq: string | null }>('SELECT max(seq) AS seq FROM notifications WHERE user_id = $1', [userId]);
  return Number(rows[0]?.seq ?? 0);
}
