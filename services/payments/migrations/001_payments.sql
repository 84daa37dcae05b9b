-- One row per order: the idempotency record of Charge. Card data is limited to brand and last four.
CREATE TABLE payments (
  order_id     uuid PRIMARY KEY,
  id           uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
  amount_cents bigint NOT NULL CHECK (amount_cents > 0),
  currency     char(3) NOT NULL,
  -- PENDING: no successful charge yet (declined or unavailable attempts may exist)
  status       text NOT NULL CHECK (status IN ('PENDING', 'SUCCEEDED', 'REFUNDED')),
  card_brand   text,
  card_last4   char(4),
  created_at   timestamptz NOT NULL DEFAULT now(),
  succeeded_at timestamptz,
  refunded_at  timestamptz
);

-- Every attempt at the (simulated) processor, for audit: proves a success happened once.
CREATE TABLE payment_attempts (
  id         bigserial PRIMARY KEY,
  order_id   uuid NOT NULL REFERENCES payments (order_id),
  outcome    text NOT NULL CHECK (outcome IN ('succeeded', 'card_declined', 'insufficient_funds', 'processor_unavailable')),
  card_brand text NOT NULL,
  card_last4 char(4) NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payment_attempts_order ON payment_attempts (order_id);
