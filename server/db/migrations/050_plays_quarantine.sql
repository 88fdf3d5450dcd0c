-- 050: records of a `plays` batch that ingest refused (not a real instant, impossible times,
-- a start in the future, a campaign or plan item the screen was never given, another screen's
-- record). Nothing a player sent is dropped: each is kept here exactly as received, with the
-- reason, for auditors to see and export. A record sent again (an older player resending) is
-- kept once.
CREATE TABLE plays_quarantine (
  id             INTEGER PRIMARY KEY,
  screen_id      TEXT NOT NULL REFERENCES screens(id),
  site_id        TEXT NOT NULL REFERENCES sites(id),
  play_id        TEXT,                    -- the record's playId when it had a usable one
  batch_id       TEXT NOT NULL,
  code           TEXT NOT NULL,           -- stable reason code (docs/protocol.md "Rejected records")
  reason         TEXT NOT NULL,
  record         TEXT NOT NULL,           -- the record as received, JSON
  received_at_ms INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX plays_quarantine_once ON plays_quarantine(screen_id, play_id) WHERE play_id IS NOT NULL;
CREATE INDEX plays_quarantine_received ON plays_quarantine(received_at_ms);
CREATE INDEX plays_quarantine_site ON plays_quarantine(site_id, received_at_ms);

-- Every plan a screen was ever given, not only the newest: a player that was offline while its
-- plan changed still plays the items it holds, and ingest must recognise them as issued.
CREATE TABLE screen_plans_history (
  screen_id      TEXT NOT NULL REFERENCES screens(id),
  local_date     TEXT NOT NULL,
  version        INTEGER NOT NULL,
  plan           TEXT NOT NULL,
  replaced_at_ms INTEGER NOT NULL,
  PRIMARY KEY (screen_id, local_date, version)
) STRICT;
CREATE TRIGGER screen_plans_keep_replaced AFTER UPDATE OF plan ON screen_plans
WHEN OLD.plan IS NOT NEW.plan
BEGIN
  INSERT OR IGNORE INTO screen_plans_history (screen_id, local_date, version, plan, replaced_at_ms)
  VALUES (OLD.screen_id, OLD.local_date, OLD.version, OLD.plan, NEW.computed_at_ms);
END;
