-- Screen moves (issue 16): a screen moved to another site keeps its id, so its plays, plans and
-- audit stay attached; this table records where it was and since when, so reports count each
-- day at the site the screen belonged to when that day ended (the days before a move stay with
-- the old site, the day of the move and later go to the new one).
CREATE TABLE screen_moves (
  id            INTEGER PRIMARY KEY,
  screen_id     TEXT NOT NULL REFERENCES screens(id),
  from_site_id  TEXT NOT NULL,
  to_site_id    TEXT NOT NULL,
  moved_at_ms   INTEGER NOT NULL,
  actor         TEXT NOT NULL
) STRICT;
CREATE INDEX screen_moves_screen ON screen_moves(screen_id, moved_at_ms);
