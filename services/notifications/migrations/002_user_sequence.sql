-- A stream cursor that cannot skip. The old cursor, seq (bigserial), is taken at insert but becomes
-- visible at commit, and up to CONSUMER_PREFETCH messages are stored at once: a lower seq could commit
-- after a higher one was streamed, and that notification never reached the open streams. Now every
-- user has a counter, incremented under its row lock in the same transaction as the insert: a second
-- insert for the same user waits until the first commits, so per user, commit order is sequence order.
CREATE TABLE user_sequences (
  user_id  uuid PRIMARY KEY,
  last_seq bigint NOT NULL
);
-- The position of a notification among its user's: the SSE event id and the list cursor.
ALTER TABLE notifications ADD COLUMN user_seq bigint;
UPDATE notifications n SET user_seq = o.position
  FROM (SELECT seq, row_number() OVER (PARTITION BY user_id ORDER BY seq) AS position FROM notifications) o
  WHERE n.seq = o.seq;
INSERT INTO user_sequences (user_id, last_seq) SELECT user_id, max(user_seq) FROM notifications GROUP BY user_id;
ALTER TABLE notifications ALTER COLUMN user_seq SET NOT NULL;
ALTER TABLE notifications ADD CONSTRAINT notifications_user_position UNIQUE (user_id, user_seq);
DROP INDEX notifications_user_seq;
