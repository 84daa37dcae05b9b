import pg from 'pg';

/** Each service's own database (users and notifications are optional: their checks are skipped without them). */
export interface ServiceDatabases {
  catalog: string;
  orders: string;
  payments: string;
  notifications?: string | undefined;
  users?: string | undefined;
}

export interface ProductRow {
  id: string;
  stock: number;
  receivedUnits: number;
  /** Units of RESERVED reservations. */
  live: number;
  /** Units of COMMITTED reservations. */
  committed: number;
}

export interface ReservationRow {
  orderId: string;
  status: 'RESERVED' | 'COMMITTED' | 'RELEASED' | 'EXPIRED';
  /** Infinity for a reservation made before reservations expired. */
  expiresAt: Date | number;
  lines: number;
}

export interface OrderRow {
  id: string;
  userId: string;
  status: 'PENDING_PAYMENT' | 'PAID' | 'CANCELLED' | 'EXPIRED';
  totalCents: number;
  /** How many events of each type the order has. */
  events: Record<string, number>;
}

export interface PaymentRow {
  orderId: string;
  status: 'PENDING' | 'SUCCEEDED' | 'REFUNDED' | 'VOIDED';
  amountCents: number | null;
}

export interface NotificationCount {
  orderId: string | null;
  userId: string;
  type: string;
  count: number;
}

/** What the checks read, taken from every database at about the same moment. */
export interface Snapshot {
  takenAt: Date;
  products: ProductRow[];
  reservations: ReservationRow[];
  orders: OrderRow[];
  payments: PaymentRow[];
  /** Notifications per (order, user, type); undefined without the notifications database. */
  notifications?: NotificationCount[];
  /** Event ids stored more than once. */
  duplicateEventIds?: string[];
  userIds?: string[];
}

async function read<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url, application_name: 'check-consistency' });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

/**
 * Reads what the checks need from each service's own database. It is a test and operations tool, so
 * it may read every database; services themselves never read each other's.
 */
export async function takeSnapshot(dbs: ServiceDatabases): Promise<Snapshot> {
  const takenAt = new Date();
  const [products, reservations, orders, events, payments, notifications, duplicates, users] = await Promise.all([
    read<ProductRow>(
      dbs.catalog,
      `SELECT p.id, p.stock, p.received_units AS "receivedUnits",
              coalesce(sum(i.quantity) FILTER (WHERE r.status = 'RESERVED'), 0)::int AS live,
              coalesce(sum(i.quantity) FILTER (WHERE r.status = 'COMMITTED'), 0)::int AS committed
         FROM products p LEFT JOIN reservation_items i ON i.product_id = p.id LEFT JOIN reservations r ON r.order_id = i.order_id
        GROUP BY p.id`,
    ),
    read<ReservationRow>(
      dbs.catalog,
      `SELECT r.order_id AS "orderId", r.status, r.expires_at AS "expiresAt", count(i.product_id)::int AS lines
         FROM reservations r LEFT JOIN reservation_items i USING (order_id) GROUP BY r.order_id`,
    ),
    read<Omit<OrderRow, 'events'>>(dbs.orders, 'SELECT id, user_id AS "userId", status, total_cents::float8 AS "totalCents" FROM orders'),
    read<{ orderId: string; type: string; count: number }>(dbs.orders, 'SELECT order_id AS "orderId", type, count(*)::int AS count FROM order_events GROUP BY order_id, type'),
    read<PaymentRow>(dbs.payments, 'SELECT order_id AS "orderId", status, amount_cents::float8 AS "amountCents" FROM payments'),
    dbs.notifications
      ? read<NotificationCount>(dbs.notifications, 'SELECT order_id AS "orderId", user_id AS "userId", type, count(*)::int AS count FROM notifications GROUP BY order_id, user_id, type')
      : undefined,
    dbs.notifications ? read<{ eventId: string }>(dbs.notifications, 'SELECT event_id AS "eventId" FROM notifications GROUP BY event_id HAVING count(*) > 1') : undefined,
    dbs.users ? read<{ id: string }>(dbs.users, 'SELECT id FROM users') : undefined,
  ]);
  const byOrder = new Map<string, Record<string, number>>();
  for (const e of events) byOrder.set(e.orderId, { ...byOrder.get(e.orderId), [e.type]: e.count });
  return {
    takenAt,
    products,
    reservations,
    orders: orders.map((o) => ({ ...o, events: byOrder.get(o.id) ?? {} })),
    payments,
    ...(notifications ? { notifications, duplicateEventIds: duplicates!.map((d) => d.eventId) } : {}),
    ...(users ? { userIds: users.map((u) => u.id) } : {}),
  };
}
