CREATE TABLE users (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- stored trimmed and lower-cased, so uniqueness ignores letter case
  email         text NOT NULL,
  name          text NOT NULL,
  -- scrypt$N$r$p$salt$key, never returned by any API
  password_hash text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT users_email_key UNIQUE (email),
  CONSTRAINT users_email_lower CHECK (email = lower(email))
);
