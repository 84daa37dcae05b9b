CREATE TABLE products (
  id          uuid PRIMARY KEY,
  name        text NOT NULL,
  description text NOT NULL,
  price_cents bigint NOT NULL CHECK (price_cents >= 0),
  currency    char(3) NOT NULL,
  -- units available now; the check is the last line of defence against overselling
  stock       integer NOT NULL CHECK (stock >= 0),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
-- the list is ordered by name, then id (keyset pagination)
CREATE INDEX products_name_id ON products (name, id);

-- one row per order that reserved stock: the idempotency record of ReserveStock
CREATE TABLE reservations (
  order_id    uuid PRIMARY KEY,
  status      text NOT NULL CHECK (status IN ('RESERVED', 'RELEASED')),
  created_at  timestamptz NOT NULL DEFAULT now(),
  released_at timestamptz
);

CREATE TABLE reservation_items (
  order_id   uuid NOT NULL REFERENCES reservations (order_id),
  product_id uuid NOT NULL REFERENCES products (id),
  quantity   integer NOT NULL CHECK (quantity > 0),
  PRIMARY KEY (order_id, product_id)
);
