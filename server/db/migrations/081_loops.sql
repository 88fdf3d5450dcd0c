-- 081: What a site does around its loop: resume after a spot at the next item or where the
-- interrupted one left off, and outside opening hours show the idle page or go dark.
ALTER TABLE sites ADD COLUMN loop_resume TEXT NOT NULL DEFAULT 'next' CHECK (loop_resume IN ('next', 'resume'));
ALTER TABLE sites ADD COLUMN outside_hours TEXT NOT NULL DEFAULT 'idle' CHECK (outside_hours IN ('idle', 'dark'));

-- The venue's own loop: one per site (screen_id NULL) and optionally one per screen, which
-- then replaces the site's for that screen.
CREATE TABLE loops (
  id            INTEGER PRIMARY KEY,
  site_id       TEXT NOT NULL REFERENCES sites(id),
  screen_id     TEXT REFERENCES screens(id),
  updated_by    TEXT NOT NULL,
  updated_at_ms INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX loops_site ON loops(site_id) WHERE screen_id IS NULL;
CREATE UNIQUE INDEX loops_screen ON loops(screen_id) WHERE screen_id IS NOT NULL;

CREATE TABLE loop_items (
  loop_id      INTEGER NOT NULL REFERENCES loops(id) ON DELETE CASCADE,
  position     INTEGER NOT NULL CHECK (position >= 0),
  media_sha256 TEXT NOT NULL REFERENCES media(sha256),
  duration_ms  INTEGER NOT NULL CHECK (duration_ms > 0),
  PRIMARY KEY (loop_id, position)
) STRICT;
CREATE INDEX loop_items_media ON loop_items(media_sha256);

