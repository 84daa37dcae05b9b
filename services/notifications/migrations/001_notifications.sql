CREATE TABLE notifications (
  -- order of creation; also the SSE event id a client resumes from (Last-Event-ID)
  seq        bigserial PRIMARY KEY,
  id         uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
  user_id    uuid NOT NULL,
  type       text NOT NULL,
  message    text NOT NULL,
  order_id   uuid,
  -- the event this notification came from
  event_id   uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notifications_user_seq ON notifications (user_id, seq DESC);
