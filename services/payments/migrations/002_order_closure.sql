-- Payments learns when an order ended unpaid (it consumes order.cancelled and order.expired): a charge
-- that succeeded is refunded, and an order that was never charged is VOIDED, so a Charge still on its
-- way (a frozen replica that thaws, a reply that was lost) can never succeed afterwards. A VOIDED row
-- can be the first one of its order, written before any Charge, so it may have no amount.
ALTER TABLE payments ALTER COLUMN amount_cents DROP NOT NULL, ALTER COLUMN currency DROP NOT NULL;
ALTER TABLE payments DROP CONSTRAINT payments_status_check;
ALTER TABLE payments ADD CONSTRAINT payments_status_check CHECK (status IN ('PENDING', 'SUCCEEDED', 'REFUNDED', 'VOIDED'));
ALTER TABLE payments ADD COLUMN voided_at timestamptz;
-- What refunded or voided it: 'refund' (the Refund call), 'order.cancelled' or 'order.expired'.
ALTER TABLE payments ADD COLUMN closed_by text;
