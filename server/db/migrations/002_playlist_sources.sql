-- 002: what the playlist loader needs to reload files without losing edits made through the API.
-- A bus is a moving site: it has no fixed ward, and reports group it by its district or city.
ALTER TABLE sites ADD COLUMN moving INTEGER NOT NULL DEFAULT 0;

-- One row per object a playlist file defines, with the hash of the values the file gave it when
-- last loaded. On start the loader writes an object only when the file's values changed since
-- then, so an API edit survives restarts until someone edits that object in the file.
CREATE TABLE playlist_objects (
  object_type  TEXT NOT NULL,               -- region | site | screen | campaign | media
  object_id    TEXT NOT NULL,
  file         TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  loaded_at_ms INTEGER NOT NULL,
  PRIMARY KEY (object_type, object_id)
) STRICT;
