-- 030: when each screen was connected. The player gateway opens a row when a screen's first
-- authenticated socket says hello and closes it when its last socket goes (or the server
-- stops); reports take offline time as the complement of these rows, from the moment this
-- table started being written (this migration's applied_at_ms) on.
CREATE TABLE screen_sessions (
  id                 INTEGER PRIMARY KEY,
  screen_id          TEXT NOT NULL REFERENCES screens(id),
  connected_at_ms    INTEGER NOT NULL,
  disconnected_at_ms INTEGER CHECK (disconnected_at_ms IS NULL OR disconnected_at_ms >= connected_at_ms),
  reason             TEXT CHECK (reason IN ('closed', 'heartbeat_missed', 'server_stopped', 'revoked')),
  CHECK ((disconnected_at_ms IS NULL) = (reason IS NULL))
) STRICT;
CREATE INDEX screen_sessions_screen ON screen_sessions(screen_id, connected_at_ms);
-- Reports ask "which sessions overlap this day": those still open or ending after its start.
CREATE INDEX screen_sessions_end ON screen_sessions(disconnected_at_ms);
-- At most one open session per screen: the gateway tracks the screen, not each socket.
CREATE UNIQUE INDEX screen_sessions_open ON screen_sessions(screen_id) WHERE disconnected_at_ms IS NULL;
-- Reports look up, per day, which screens have a stored plan before reading any plan's items.
CREATE INDEX screen_plans_date ON screen_plans(local_date, screen_id);
