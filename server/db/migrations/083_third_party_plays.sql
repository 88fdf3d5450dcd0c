-- 083: proof of play reported by systems we do not run (LED controllers, the airport's own
-- system), imported from CSV. Kept apart from `plays`: these rows are not hash-chained and no
-- player of ours vouches for them, so reports show them on their own, marked third-party.
CREATE TABLE third_party_plays (
  play_key       TEXT PRIMARY KEY,          -- '<source>:<their id>' or sha256(screen|campaign|start|duration)
  source         TEXT NOT NULL,             -- the reporting system, as the importer named it
  external_id    TEXT,
  screen_id      TEXT NOT NULL REFERENCES screens(id),
  site_id        TEXT NOT NULL REFERENCES sites(id),
  campaign_id    TEXT NOT NULL REFERENCES campaigns(id),
  media_sha256   TEXT,
  started_at     TEXT NOT NULL,             -- ISO with the site's offset
  started_ms     INTEGER NOT NULL,
  seconds_shown  REAL NOT NULL CHECK (seconds_shown > 0),
  local_date     TEXT NOT NULL,
  local_hour     INTEGER NOT NULL,
  import_id      TEXT NOT NULL,
  imported_by    TEXT NOT NULL,
  imported_at_ms INTEGER NOT NULL
) STRICT;
CREATE INDEX third_party_plays_campaign_day ON third_party_plays(campaign_id, local_date);
