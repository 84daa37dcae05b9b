-- OrderPaymentRequested is appended before every Charge: from then on a charge may exist that orders
-- never heard of (a lost reply), so the order is not cancelled or expired without asking payments.
ALTER TABLE order_events DROP CONSTRAINT order_events_type_check;
ALTER TABLE order_events ADD CONSTRAINT order_events_type_check
  CHECK (type IN ('OrderPlaced', 'OrderPaymentRequested', 'OrderPaid', 'OrderPaymentDeclined', 'OrderCancelled', 'OrderExpired'));

-- An Idempotency-Key is leased to the request working on it until locked_until. A request that failed
-- with an unknown outcome (the reservation may exist) gives the lease back but keeps the key and its
-- order id, so a retry continues with the same order and catalog returns the same reservation.
ALTER TABLE idempotency_keys ADD COLUMN locked_until timestamptz;
UPDATE idempotency_keys SET locked_until = created_at + interval '30 seconds' WHERE state = 'IN_PROGRESS';
