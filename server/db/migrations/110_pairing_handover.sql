-- A pairing credential counts as handed over only when the player says hello with it (issue 12).
-- Until then the claimed code holds the credential's hash, and the credential itself sealed
-- with a key derived from the pairing secret (which the server does not keep): a player that
-- resumes with that secret gets the same credential again, and nobody with only the database
-- can read it. The screen gets the hash (and counts as paired) at that first hello.
ALTER TABLE pairing_codes ADD COLUMN pending_token_hash TEXT;
ALTER TABLE pairing_codes ADD COLUMN pending_token_box TEXT;
CREATE INDEX pairing_codes_claimed ON pairing_codes(claimed_screen_id) WHERE claimed_screen_id IS NOT NULL;
