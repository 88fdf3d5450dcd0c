-- 070: play counters kept at ingest. One row per campaign, site-local date, site, screen and
-- local hour with the counts every report and export needs, so a report reads a few narrow rows
-- per screen and day instead of aggregating the raw plays (which stay for the evidence export).
-- Triggers keep the table equal to a GROUP BY over plays inside the same transaction as every
-- insert, update or delete of a play, whoever writes it (ingest, seeding, re-verification).
--   completed      plays with outcome 'completed' (what reports call "plays")
--   not_completed  interrupted or failed plays
--   peak           completed plays that started in a peak hour (in_peak)
--   unverified     completed plays whose hash-chain status is not 'ok' (gap or mismatch)
CREATE TABLE play_counts (
  campaign_id   TEXT NOT NULL,
  local_date    TEXT NOT NULL,
  screen_id     TEXT NOT NULL,
  site_id       TEXT NOT NULL,
  local_hour    INTEGER NOT NULL,
  completed     INTEGER NOT NULL DEFAULT 0,
  not_completed INTEGER NOT NULL DEFAULT 0,
  peak          INTEGER NOT NULL DEFAULT 0,
  unverified    INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (campaign_id, local_date, screen_id, site_id, local_hour)
) STRICT, WITHOUT ROWID;

INSERT INTO play_counts (campaign_id, local_date, screen_id, site_id, local_hour, completed, not_completed, peak, unverified)
SELECT campaign_id, local_date, screen_id, site_id, local_hour,
       SUM(outcome = 'completed'), SUM(outcome <> 'completed'),
       SUM(outcome = 'completed' AND in_peak <> 0), SUM(outcome = 'completed' AND chain_status <> 'ok')
FROM plays GROUP BY campaign_id, local_date, screen_id, site_id, local_hour;

CREATE TRIGGER play_counts_insert AFTER INSERT ON plays BEGIN
  INSERT INTO play_counts (campaign_id, local_date, screen_id, site_id, local_hour, completed, not_completed, peak, unverified)
  VALUES (NEW.campaign_id, NEW.local_date, NEW.screen_id, NEW.site_id, NEW.local_hour,
          NEW.outcome = 'completed', NEW.outcome <> 'completed',
          NEW.outcome = 'completed' AND NEW.in_peak <> 0, NEW.outcome = 'completed' AND NEW.chain_status <> 'ok')
  ON CONFLICT (campaign_id, local_date, screen_id, site_id, local_hour) DO UPDATE SET
    completed = completed + excluded.completed, not_completed = not_completed + excluded.not_completed,
    peak = peak + excluded.peak, unverified = unverified + excluded.unverified;
END;

-- Taking a play out of its row: the row goes when nothing is left in it, so the table holds
-- exactly the groups that have plays.
CREATE TRIGGER play_counts_delete AFTER DELETE ON plays BEGIN
  UPDATE play_counts SET
    completed = completed - (OLD.outcome = 'completed'), not_completed = not_completed - (OLD.outcome <> 'completed'),
    peak = peak - (OLD.outcome = 'completed' AND OLD.in_peak <> 0),
    unverified = unverified - (OLD.outcome = 'completed' AND OLD.chain_status <> 'ok')
  WHERE campaign_id = OLD.campaign_id AND local_date = OLD.local_date AND screen_id = OLD.screen_id
    AND site_id = OLD.site_id AND local_hour = OLD.local_hour;
  DELETE FROM play_counts
  WHERE campaign_id = OLD.campaign_id AND local_date = OLD.local_date AND screen_id = OLD.screen_id
    AND site_id = OLD.site_id AND local_hour = OLD.local_hour AND completed = 0 AND not_completed = 0;
END;

-- Re-verification changes chain_status; anything else that moves a play between groups or
-- counts is handled the same way: out of the old row, into the new one.
CREATE TRIGGER play_counts_update
AFTER UPDATE OF campaign_id, local_date, screen_id, site_id, local_hour, outcome, in_peak, chain_status ON plays BEGIN
  UPDATE play_counts SET
    completed = completed - (OLD.outcome = 'completed'), not_completed = not_completed - (OLD.outcome <> 'completed'),
    peak = peak - (OLD.outcome = 'completed' AND OLD.in_peak <> 0),
    unverified = unverified - (OLD.outcome = 'completed' AND OLD.chain_status <> 'ok')
  WHERE campaign_id = OLD.campaign_id AND local_date = OLD.local_date AND screen_id = OLD.screen_id
    AND site_id = OLD.site_id AND local_hour = OLD.local_hour;
  DELETE FROM play_counts
  WHERE campaign_id = OLD.campaign_id AND local_date = OLD.local_date AND screen_id = OLD.screen_id
    AND site_id = OLD.site_id AND local_hour = OLD.local_hour AND completed = 0 AND not_completed = 0;
  INSERT INTO play_counts (campaign_id, local_date, screen_id, site_id, local_hour, completed, not_completed, peak, unverified)
  VALUES (NEW.campaign_id, NEW.local_date, NEW.screen_id, NEW.site_id, NEW.local_hour,
          NEW.outcome = 'completed', NEW.outcome <> 'completed',
          NEW.outcome = 'completed' AND NEW.in_peak <> 0, NEW.outcome = 'completed' AND NEW.chain_status <> 'ok')
  ON CONFLICT (campaign_id, local_date, screen_id, site_id, local_hour) DO UPDATE SET
    completed = completed + excluded.completed, not_completed = not_completed + excluded.not_completed,
    peak = peak + excluded.peak, unverified = unverified + excluded.unverified;
END;

-- The evidence export walks raw plays of a campaign and period by screen and journal order;
-- this index answers its filter and order without a temporary B-tree. The chain summary and
-- the first-link check read the same index.
CREATE INDEX plays_evidence ON plays(campaign_id, screen_id, seq, local_date);
