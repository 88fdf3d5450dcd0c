-- Alerts (issue 16): people responsible for a site are told when one of its screens is offline
-- too long or behind the day's plan, in the console's notification list and by e-mail.
ALTER TABLE users ADD COLUMN email TEXT;

CREATE TABLE notifications (
  id             INTEGER PRIMARY KEY,
  user_id        TEXT NOT NULL REFERENCES users(id),
  kind           TEXT NOT NULL,            -- offline | behind | digest
  -- One notification per user and event: offline:<screen>:<last seen ms>, behind:<screen>:<date>, digest:<date>
  dedupe_key     TEXT NOT NULL,
  screen_id      TEXT,
  site_id        TEXT,
  subject        TEXT NOT NULL,
  message        TEXT NOT NULL,
  created_at_ms  INTEGER NOT NULL,
  read_at_ms     INTEGER,
  emailed_at_ms  INTEGER,
  email_error    TEXT,
  UNIQUE (user_id, dedupe_key)
) STRICT;
CREATE INDEX notifications_user ON notifications (user_id, created_at_ms);
