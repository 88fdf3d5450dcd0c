-- 001: the whole domain as of the first release. Times are stored two ways where they are
-- queried: *_ms (INTEGER, UTC epoch milliseconds) for arithmetic and ranges, and ISO-8601 text
-- with the local offset where an auditor reads them.

CREATE TABLE regions (
  id         TEXT PRIMARY KEY,            -- hierarchical slug, e.g. ha-noi/hai-ba-trung/bach-khoa
  parent_id  TEXT REFERENCES regions(id),
  name       TEXT NOT NULL,
  level      TEXT NOT NULL,               -- city | district | ward | anything deeper
  source     TEXT NOT NULL DEFAULT 'api'  -- playlist file name or 'api'
) STRICT;
CREATE INDEX regions_parent ON regions(parent_id);

CREATE TABLE media (
  sha256        TEXT PRIMARY KEY,
  mime_type     TEXT NOT NULL,
  duration_ms   INTEGER NOT NULL CHECK (duration_ms > 0),
  bytes         INTEGER NOT NULL CHECK (bytes > 0),
  original_name TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL
) STRICT;

CREATE TABLE sites (
  id             TEXT PRIMARY KEY,
  name           TEXT NOT NULL,
  venue_type     TEXT NOT NULL,
  address        TEXT NOT NULL,
  region_id      TEXT REFERENCES regions(id),
  time_zone      TEXT NOT NULL DEFAULT 'Asia/Ho_Chi_Minh',
  opening_hours  TEXT NOT NULL,           -- JSON OpeningHours
  peak_profile   TEXT,                    -- JSON PeakProfile (168 weights) or NULL = venue default
  source         TEXT NOT NULL DEFAULT 'api',
  created_at_ms  INTEGER NOT NULL,
  updated_at_ms  INTEGER NOT NULL
) STRICT;
CREATE INDEX sites_region ON sites(region_id);

CREATE TABLE screens (
  id              TEXT PRIMARY KEY,
  site_id         TEXT NOT NULL REFERENCES sites(id),
  name            TEXT NOT NULL,
  resolution      TEXT NOT NULL DEFAULT '1920x1080',
  orientation     TEXT NOT NULL DEFAULT 'landscape',
  status          TEXT NOT NULL DEFAULT 'unpaired', -- unpaired | online | offline | revoked
  token_hash      TEXT,                   -- sha256 of the screen's credential; the token itself is never stored
  last_seen_ms    INTEGER,
  player_version  TEXT,
  status_json     TEXT,                   -- last status message (current item, cache, disk, clock offset)
  plan_version    INTEGER NOT NULL DEFAULT 0,
  source          TEXT NOT NULL DEFAULT 'api',
  created_at_ms   INTEGER NOT NULL,
  paired_at_ms    INTEGER,
  revoked_at_ms   INTEGER,
  UNIQUE (site_id, name)
) STRICT;
CREATE INDEX screens_site ON screens(site_id);
CREATE UNIQUE INDEX screens_token ON screens(token_hash) WHERE token_hash IS NOT NULL;

CREATE TABLE campaigns (
  id                TEXT PRIMARY KEY,
  name              TEXT NOT NULL,
  name_en           TEXT,
  media_sha256      TEXT REFERENCES media(sha256),
  first_day         TEXT NOT NULL,        -- local date YYYY-MM-DD, inclusive
  last_day          TEXT NOT NULL,        -- local date, inclusive to 23:59:59 local
  time_zone         TEXT NOT NULL,
  target_per_day    INTEGER NOT NULL CHECK (target_per_day > 0),
  average_basis     TEXT NOT NULL DEFAULT 'operating_day',
  make_good_cap_pct INTEGER NOT NULL DEFAULT 50,
  peak_profiles     TEXT NOT NULL,        -- JSON { venueType: PeakProfile }
  venue_defaults    TEXT NOT NULL DEFAULT '{}', -- JSON { venueType: { openingHours } }
  participants      TEXT NOT NULL,        -- JSON Participants
  status            TEXT NOT NULL DEFAULT 'active', -- active | closed
  version           INTEGER NOT NULL DEFAULT 1,
  source            TEXT NOT NULL DEFAULT 'api',
  created_at_ms     INTEGER NOT NULL,
  updated_at_ms     INTEGER NOT NULL,
  closed_at_ms      INTEGER
) STRICT;

-- Raise-only, per site. History is kept: the current value is the newest row.
CREATE TABLE frequency_overrides (
  id                INTEGER PRIMARY KEY,
  campaign_id       TEXT NOT NULL REFERENCES campaigns(id),
  site_id           TEXT NOT NULL REFERENCES sites(id),
  plays_per_day     INTEGER NOT NULL CHECK (plays_per_day > 0),
  reason            TEXT NOT NULL,
  set_by            TEXT NOT NULL REFERENCES users(id),
  set_at_ms         INTEGER NOT NULL,
  effective_from_ms INTEGER NOT NULL
) STRICT;
CREATE INDEX overrides_site ON frequency_overrides(campaign_id, site_id, set_at_ms);

CREATE TABLE users (
  id                   TEXT PRIMARY KEY,
  username             TEXT NOT NULL UNIQUE COLLATE NOCASE,
  display_name         TEXT NOT NULL,
  role                 TEXT NOT NULL,      -- campaign_manager | office_head | venue_staff | auditor
  password_hash        TEXT NOT NULL,      -- scrypt$N$r$p$salt$hash
  must_change_password INTEGER NOT NULL DEFAULT 0,
  created_at_ms        INTEGER NOT NULL,
  disabled_at_ms       INTEGER
) STRICT;

-- An office head or venue staff member acts on the sites and regions listed here (a region
-- covers every site below it in the tree).
CREATE TABLE user_scopes (
  user_id  TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  kind     TEXT NOT NULL CHECK (kind IN ('site', 'region')),
  ref_id   TEXT NOT NULL,
  PRIMARY KEY (user_id, kind, ref_id)
) STRICT;

CREATE TABLE sessions (
  token_hash    TEXT PRIMARY KEY,
  user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at_ms INTEGER NOT NULL,
  expires_at_ms INTEGER NOT NULL
) STRICT;

CREATE TABLE audit_log (
  id          INTEGER PRIMARY KEY,
  at_ms       INTEGER NOT NULL,
  actor       TEXT NOT NULL,              -- user id, 'system', 'cron:<job>' or 'playlist:<file>'
  action      TEXT NOT NULL,              -- e.g. campaign.update, override.raise, screen.revoke
  object_type TEXT NOT NULL,
  object_id   TEXT NOT NULL,
  detail      TEXT NOT NULL DEFAULT '{}'  -- JSON: before/after or other context
) STRICT;
CREATE INDEX audit_at ON audit_log(at_ms);

CREATE TABLE pairing_codes (
  code              TEXT PRIMARY KEY,     -- 6 characters from an unambiguous alphabet
  secret_hash       TEXT NOT NULL,        -- the waiting player proves it is the one that asked
  created_at_ms     INTEGER NOT NULL,
  expires_at_ms     INTEGER NOT NULL,
  claimed_screen_id TEXT REFERENCES screens(id),
  claimed_by        TEXT REFERENCES users(id),
  claimed_at_ms     INTEGER,
  delivered_at_ms   INTEGER
) STRICT;

-- Plans as issued to screens, so a mid-day change re-plans only the rest of the day and a
-- player can compare versions.
CREATE TABLE screen_plans (
  screen_id     TEXT NOT NULL REFERENCES screens(id),
  local_date    TEXT NOT NULL,
  version       INTEGER NOT NULL,
  inputs_hash   TEXT NOT NULL,
  plan          TEXT NOT NULL,            -- JSON items
  computed_at_ms INTEGER NOT NULL,
  PRIMARY KEY (screen_id, local_date)
) STRICT;

-- Proof of play. play_id is the player's uuid: inserting the same play twice does nothing.
CREATE TABLE plays (
  play_id        TEXT PRIMARY KEY,
  screen_id      TEXT NOT NULL REFERENCES screens(id),
  site_id        TEXT NOT NULL REFERENCES sites(id),
  campaign_id    TEXT NOT NULL,
  media_sha256   TEXT NOT NULL,
  plan_item_id   TEXT,
  planned_at     TEXT,                    -- ISO with offset, as the player sent it
  planned_ms     INTEGER,
  started_at     TEXT NOT NULL,
  started_ms     INTEGER NOT NULL,
  ended_at       TEXT NOT NULL,
  ended_ms       INTEGER NOT NULL,
  seconds_shown  REAL NOT NULL,
  outcome        TEXT NOT NULL,           -- completed | interrupted | failed
  reason         TEXT,
  player_version TEXT NOT NULL,
  seq            INTEGER NOT NULL,        -- per-screen sequence number of the journal
  prev_hash      TEXT NOT NULL,
  hash           TEXT NOT NULL,
  chain_status   TEXT NOT NULL DEFAULT 'ok', -- ok | gap | mismatch
  local_date     TEXT NOT NULL,           -- site-local date and hour of the start, for reports
  local_hour     INTEGER NOT NULL,
  in_peak        INTEGER NOT NULL DEFAULT 0,
  received_at_ms INTEGER NOT NULL
) STRICT;
CREATE INDEX plays_campaign_day ON plays(campaign_id, local_date);
CREATE INDEX plays_screen_seq ON plays(screen_id, seq);

CREATE TABLE reports (
  id              INTEGER PRIMARY KEY,
  kind            TEXT NOT NULL,          -- weekly | adhoc
  campaign_id     TEXT NOT NULL,
  period_first    TEXT NOT NULL,
  period_last     TEXT NOT NULL,
  generated_at_ms INTEGER NOT NULL,
  file_name       TEXT NOT NULL,
  checksum        TEXT NOT NULL,
  UNIQUE (kind, campaign_id, period_first)
) STRICT;

-- node-cron keeps no state: each run of a job for a period is recorded, so a job is idempotent
-- and a run missed while the server was down is caught up on start.
CREATE TABLE cron_runs (
  job        TEXT NOT NULL,
  period_key TEXT NOT NULL,
  ran_at_ms  INTEGER NOT NULL,
  PRIMARY KEY (job, period_key)
) STRICT;
