-- OrderPaymentRequested is appended before every Charge: from then on a charge may exist that orders
-- never heard of (a lost reply), so the order is not cancelled or expired without asking payments.
ALTER TABLE order_events DROP CONSTRAINT order_events_type_check;
ALTER TABLE order_events ADD CONSTRAINT order_events_type_check
  CHECK (type IN ('OrderPlaced', 'OrderPaymentRequested', 'OrderPaid', 'OrderPaymentDeclined', 'OrderCancelled', 'OrderExpired'));

-- An Idempotency-Key is leased to the request working on it (lease) until locked_until. A request that
-- failed with an unknown outcome (the reservation may exist) gives the lease back but keeps the key
-- and its order id, so a retry continues with the same order and catalog returns the same reservation.
-- Only the holder of the current lease may forget the key or move it to another order id: a request
-- that was taken over (it stalled past its lease) must not undo its successor's work.
ALTER TABLE idempotency_keys ADD COLUMN locked_until timestamptz, ADD COLUMN lease uuid;
UPDATE idempotency_keys SET locked_until = created_at + interval '30 seconds', lease = gen_random_uuid() WHERE state = 'IN_PROGRESS';
