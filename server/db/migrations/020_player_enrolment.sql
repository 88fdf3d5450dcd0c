-- 020: the player protocol. Provisioning files carry a one-time enrolment token (only its
-- sha256 is kept) that lets up to `uses_total` players attach themselves to one site.
CREATE TABLE enrolment_tokens (
  token_hash    TEXT PRIMARY KEY,
  site_id       TEXT NOT NULL REFERENCES sites(id),
  name_prefix   TEXT NOT NULL,
  uses_total    INTEGER NOT NULL CHECK (uses_total > 0),
  uses_left     INTEGER NOT NULL CHECK (uses_left >= 0),
  created_by    TEXT NOT NULL REFERENCES users(id),
  created_at_ms INTEGER NOT NULL,
  expires_at_ms INTEGER NOT NULL
) STRICT;

-- Which screen a pairing code was claimed for, and the name staff gave it, is on the code row;
-- the screen row itself is created at claim time with no credential until the player collects it.
CREATE INDEX pairing_codes_expiry ON pairing_codes(expires_at_ms);
