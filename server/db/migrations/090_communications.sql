-- 090: city communications (tin truyền thông) and urgent warnings (cảnh báo khẩn), issue 15.
-- Three levels send, each to its own area (city, district, ward: regions.level). The author's
-- region is the region of the account that created the item; the scope is that region or a
-- part of it. See docs/decisions/013-communications-and-warnings.md.

CREATE TABLE communications (
  id               TEXT PRIMARY KEY,          -- 'tt-<n>', shown to people and used as the plan's campaign id
  title            TEXT NOT NULL,
  body             TEXT NOT NULL DEFAULT '',  -- the text, or a caption of the media
  media_sha256     TEXT REFERENCES media(sha256),
  source_doc       TEXT,                      -- source document number as typed, e.g. 2720/UBND-TTĐT
  source_doc_key   TEXT,                      -- the same, normalised for the no-resend check
  level            TEXT NOT NULL CHECK (level IN ('city', 'district', 'ward')),
  author_region_id TEXT NOT NULL REFERENCES regions(id),
  scope_region_id  TEXT NOT NULL REFERENCES regions(id),
  first_day        TEXT NOT NULL,             -- local dates in time_zone, inclusive
  last_day         TEXT NOT NULL,
  time_zone        TEXT NOT NULL,
  plays_per_day    INTEGER NOT NULL CHECK (plays_per_day > 0),
  status           TEXT NOT NULL CHECK (status IN ('draft', 'edited', 'approved', 'on_air', 'ended', 'rejected')),
  reject_reason    TEXT,
  created_by       TEXT NOT NULL REFERENCES users(id),
  edited_by        TEXT REFERENCES users(id),
  approved_by      TEXT REFERENCES users(id),
  created_at_ms    INTEGER NOT NULL,
  updated_at_ms    INTEGER NOT NULL,
  approved_at_ms   INTEGER,
  aired_at_ms      INTEGER,
  ended_at_ms      INTEGER
) STRICT;
CREATE INDEX communications_status ON communications(status);
CREATE INDEX communications_media ON communications(media_sha256) WHERE media_sha256 IS NOT NULL;
CREATE INDEX communications_doc ON communications(source_doc_key) WHERE source_doc_key IS NOT NULL;

CREATE TABLE warnings (
  id               TEXT PRIMARY KEY,          -- 'cb-<n>'
  headline         TEXT NOT NULL,
  body             TEXT NOT NULL DEFAULT '',
  display          TEXT NOT NULL CHECK (display IN ('fullscreen', 'band')),
  level            TEXT NOT NULL CHECK (level IN ('city', 'district', 'ward')),
  author_region_id TEXT NOT NULL REFERENCES regions(id),
  scope_region_ids TEXT NOT NULL,             -- JSON array of region ids (CAP may name several areas)
  source_doc       TEXT,
  source_doc_key   TEXT,
  expires_at_ms    INTEGER NOT NULL,
  status           TEXT NOT NULL CHECK (status IN ('pending', 'on_air', 'expired', 'cancelled', 'rejected')),
  reject_reason    TEXT,
  created_by       TEXT NOT NULL,             -- user id, or 'cap:<source>' for an imported alert
  approved_by      TEXT REFERENCES users(id),
  cancelled_by     TEXT,
  created_at_ms    INTEGER NOT NULL,
  updated_at_ms    INTEGER NOT NULL,
  approved_at_ms   INTEGER,
  ended_at_ms      INTEGER,
  -- CAP 1.2: what the alert was imported from, to honour later Update and Cancel messages.
  cap_identifier   TEXT,
  cap_sender       TEXT,
  cap_sent         TEXT,
  cap_event        TEXT,
  cap_severity     TEXT,
  cap_urgency      TEXT,
  cap_certainty    TEXT,
  supersedes       TEXT REFERENCES warnings(id)
) STRICT;
CREATE INDEX warnings_status ON warnings(status);
CREATE UNIQUE INDEX warnings_cap ON warnings(cap_sender, cap_identifier) WHERE cap_identifier IS NOT NULL;

-- Proof of display: one row per warning and screen it was sent to.
CREATE TABLE warning_deliveries (
  warning_id     TEXT NOT NULL REFERENCES warnings(id),
  screen_id      TEXT NOT NULL REFERENCES screens(id),
  sent_at_ms     INTEGER,
  shown_at_ms    INTEGER,
  cleared_at_ms  INTEGER,
  clear_reason   TEXT,
  PRIMARY KEY (warning_id, screen_id)
) STRICT;
