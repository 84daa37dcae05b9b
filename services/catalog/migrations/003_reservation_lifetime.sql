-- Try/Confirm/Cancel for stock. A reservation holds its units only until expires_at unless it is
-- confirmed (COMMITTED, when catalog consumes order.paid) or released (RELEASED, on order.cancelled or
-- order.expired, or ReleaseStock); a sweeper gives the units of an unconfirmed one back (EXPIRED).
-- A RELEASED reservation without items is a tombstone: a release that arrived before its reservation,
-- which makes the late ReserveStock reserve nothing.
ALTER TABLE reservations DROP CONSTRAINT reservations_status_check;
ALTER TABLE reservations ADD CONSTRAINT reservations_status_check CHECK (status IN ('RESERVED', 'COMMITTED', 'RELEASED', 'EXPIRED'));
-- Reservations made before this migration may belong to paid orders (nothing confirmed them then), so
-- they never expire by themselves; order.cancelled and order.expired still release them.
ALTER TABLE reservations ADD COLUMN expires_at timestamptz NOT NULL DEFAULT 'infinity';
ALTER TABLE reservations ALTER COLUMN expires_at DROP DEFAULT;
ALTER TABLE reservations ADD COLUMN committed_at timestamptz;
CREATE INDEX reservations_live_expiry ON reservations (expires_at) WHERE status = 'RESERVED';

-- Units ever put into stock (the seed; a restock would add to it). It makes lost units visible:
-- received_units = stock + units of live (RESERVED) + units of sold (COMMITTED) reservations, always
-- (`npm run check:consistency` checks it).
ALTER TABLE products ADD COLUMN received_units integer;
UPDATE products p SET received_units = p.stock + coalesce((
  SELECT sum(i.quantity) FROM reservation_items i JOIN reservations r USING (order_id) WHERE i.product_id = p.id AND r.status = 'RESERVED'
), 0);
ALTER TABLE products ALTER COLUMN received_units SET NOT NULL;
