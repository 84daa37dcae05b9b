-- The inbox: ids of the messages a consumer has processed, written in the same transaction as the
-- message's effect, so a redelivered message is acknowledged without a second effect.
CREATE TABLE inbox (
  consumer     text NOT NULL,
  message_id   text NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, message_id)
);
CREATE INDEX inbox_processed_at ON inbox (processed_at);
