-- The source of truth: every change of every order, append-only. The primary key is the optimistic
-- concurrency check: two writers that read version n both try to insert seq n+1, and one fails.
CREATE TABLE order_events (
  order_id uuid NOT NULL,
  seq      integer NOT NULL CHECK (seq > 0),
  type     text NOT NULL CHECK (type IN ('OrderPlaced', 'OrderPaid', 'OrderPaymentDeclined', 'OrderCancelled', 'OrderExpired')),
  data     jsonb NOT NULL,
  at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (order_id, seq)
);

-- The read model, updated in the same transaction as every append (so it is never behind).
CREATE TABLE orders (
  id          uuid PRIMARY KEY,
  user_id     uuid NOT NULL,
  status      text NOT NULL CHECK (status IN ('PENDING_PAYMENT', 'PAID', 'CANCELLED', 'EXPIRED')),
  items       jsonb NOT NULL,
  total_cents bigint NOT NULL,
  currency    char(3) NOT NULL,
  version     integer NOT NULL,
  created_at  timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL
);
CREATE INDEX orders_user_newest ON orders (user_id, created_at DESC, id DESC);
CREATE INDEX orders_pending_age ON orders (created_at) WHERE status = 'PENDING_PAYMENT';

-- Idempotency-Key records: one per (user, key). The order id is chosen when the key is claimed, so a
-- retry after a crash continues with the same order (and catalog's reservation for it).
CREATE TABLE idempotency_keys (
  user_id      uuid NOT NULL,
  key          text NOT NULL,
  request_hash text NOT NULL,
  order_id     uuid NOT NULL,
  state        text NOT NULL CHECK (state IN ('IN_PROGRESS', 'COMPLETED')),
  response     jsonb,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, key)
);
