-- 080: the media library takes still images as well as videos, as videos.
-- An image's duration_ms is how long it shows by default (a loop item may set its own).
-- `name` is what people call the item (the upload's file name until someone renames it);
-- `thumbnail_sha256` is a JPEG the console captured from a video's first frame (NULL: none
-- yet; an image is its own thumbnail). Thumbnails are files in the media store, not media rows.
ALTER TABLE media ADD COLUMN kind TEXT NOT NULL DEFAULT 'video' CHECK (kind IN ('video', 'image'));
ALTER TABLE media ADD COLUMN name TEXT;
ALTER TABLE media ADD COLUMN width INTEGER;
ALTER TABLE media ADD COLUMN height INTEGER;
ALTER TABLE media ADD COLUMN thumbnail_sha256 TEXT;
ALTER TABLE media ADD COLUMN uploaded_by TEXT; -- a user id, or NULL for the playlists and the system
UPDATE media SET name = original_name WHERE name IS NULL;

