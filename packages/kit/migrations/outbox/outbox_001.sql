-- The transactional outbox: events are inserted in the same transaction as the state change they
-- describe, and a relay publishes them to RabbitMQ with confirms, then marks them published.
CREATE TABLE outbox (
  id           uuid PRIMARY KEY,            -- the event id, also the AMQP messageId
  seq          bigserial NOT NULL UNIQUE,   -- publication order
  routing_key  text NOT NULL,               -- the event type
  payload      jsonb NOT NULL,              -- the whole envelope
  headers      jsonb NOT NULL DEFAULT '{}', -- trace context and request id
  created_at   timestamptz NOT NULL DEFAULT now(),
  published_at timestamptz
);
CREATE INDEX outbox_pending ON outbox (seq) WHERE published_at IS NULL;
CREATE INDEX outbox_published ON outbox (published_at) WHERE published_at IS NOT NULL;
