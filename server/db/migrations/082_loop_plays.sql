-- 082: Loop plays travel in the same hash-chained journal as campaign plays but belong to no
-- campaign: kind 'loop', campaign_id ''. Every campaign figure selects by campaign id, so a
-- loop play never counts toward one.
ALTER TABLE plays ADD COLUMN kind TEXT NOT NULL DEFAULT 'spot' CHECK (kind IN ('spot', 'loop'));
