-- Per-account login throttling, shared by every replica: one attempt at a time per email, and a growing
-- pause after repeated failures. Rows exist for unknown emails too (the answer must not tell them apart).
CREATE TABLE login_attempts (
  email           text PRIMARY KEY,
  -- consecutive failed attempts (a success deletes the row)
  failures        integer NOT NULL DEFAULT 0,
  -- no attempt for this email before this time (an attempt in flight holds it briefly in the future)
  next_attempt_at timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_attempts_updated ON login_attempts (updated_at);
