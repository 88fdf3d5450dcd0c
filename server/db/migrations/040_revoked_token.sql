-- 040: a revoked screen keeps the hash of the credential it had, so the player gateway can tell
-- that screen's own player "you were revoked" while answering anyone else's wrong token exactly
-- as for a screen id that does not exist (which reveals nothing about which ids exist).
ALTER TABLE screens ADD COLUMN revoked_token_hash TEXT;
