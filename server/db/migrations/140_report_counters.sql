-- 140: the counters reports read, in the shape they read them (issue 13).
--
-- play_counts (070) was kept per screen and local hour: with a screen playing about once an hour
-- it held nearly a row per play, so a day of the per-screen export still walked as many rows as
-- the raw plays, and its counts did not split peak plays by chain status, which the reports need
-- since unverified plays are counted apart (issue 10). Nothing read it. It is replaced by two
-- tables, each the GROUP BY one report query used to run over plays:
--
--   play_day_counts   campaign × site-local date × screen × site: the per-screen, per-day export,
--                     reports, overview, alerts and screen health (one row per screen and day;
--                     a screen moved during a day has a row at each site)
--   play_hour_counts  campaign × site-local date × site × local hour: the hourly export and the
--                     report's hour-of-day chart
--
-- Columns, as the reports define them:
--   plays          completed plays whose chain status is 'ok'
--   peak_plays     those of them that started in a peak hour
--   unverified     completed plays whose chain status is not 'ok' (gap or mismatch)
--   not_completed  interrupted or failed plays
-- A row exists exactly when the group has a play; it goes when its last play is removed.
-- Triggers keep both equal to a GROUP BY over plays inside the same transaction as every insert,
-- update or delete of a play, whoever writes it (the ingest writer, seeding, re-verification).

DROP TRIGGER play_counts_insert;
DROP TRIGGER play_counts_delete;
DROP TRIGGER play_counts_update;
DROP TABLE play_counts;

CREATE TABLE play_day_counts (
  campaign_id   TEXT NOT NULL,
  local_date    TEXT NOT NULL,
  screen_id     TEXT NOT NULL,
  site_id       TEXT NOT NULL,
  plays         INTEGER NOT NULL DEFAULT 0,
  peak_plays    INTEGER NOT NULL DEFAULT 0,
  unverified    INTEGER NOT NULL DEFAULT 0,
  not_completed INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (campaign_id, local_date, screen_id, site_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE play_hour_counts (
  campaign_id   TEXT NOT NULL,
  local_date    TEXT NOT NULL,
  site_id       TEXT NOT NULL,
  local_hour    INTEGER NOT NULL,
  plays         INTEGER NOT NULL DEFAULT 0,
  peak_plays    INTEGER NOT NULL DEFAULT 0,
  unverified    INTEGER NOT NULL DEFAULT 0,
  not_completed INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (campaign_id, local_date, site_id, local_hour)
) STRICT, WITHOUT ROWID;

-- The plan service's make-goods read a screen's completed plays per day (all its days, at each
-- re-plan): a few rows per screen through this index instead of every play it ever made.
CREATE INDEX play_day_counts_screen ON play_day_counts(screen_id, campaign_id, local_date);

INSERT INTO play_day_counts (campaign_id, local_date, screen_id, site_id, plays, peak_plays, unverified, not_completed)
SELECT campaign_id, local_date, screen_id, site_id,
       SUM(outcome = 'completed' AND chain_status = 'ok'),
       SUM(outcome = 'completed' AND chain_status = 'ok' AND in_peak <> 0),
       SUM(outcome = 'completed' AND chain_status <> 'ok'),
       SUM(outcome <> 'completed')
FROM plays GROUP BY campaign_id, local_date, screen_id, site_id;

INSERT INTO play_hour_counts (campaign_id, local_date, site_id, local_hour, plays, peak_plays, unverified, not_completed)
SELECT campaign_id, local_date, site_id, local_hour,
       SUM(outcome = 'completed' AND chain_status = 'ok'),
       SUM(outcome = 'completed' AND chain_status = 'ok' AND in_peak <> 0),
       SUM(outcome = 'completed' AND chain_status <> 'ok'),
       SUM(outcome <> 'completed')
FROM plays GROUP BY campaign_id, local_date, site_id, local_hour;

CREATE TRIGGER report_counters_insert AFTER INSERT ON plays BEGIN
  INSERT INTO play_day_counts (campaign_id, local_date, screen_id, site_id, plays, peak_plays, unverified, not_completed)
  VALUES (NEW.campaign_id, NEW.local_date, NEW.screen_id, NEW.site_id,
          NEW.outcome = 'completed' AND NEW.chain_status = 'ok',
          NEW.outcome = 'completed' AND NEW.chain_status = 'ok' AND NEW.in_peak <> 0,
          NEW.outcome = 'completed' AND NEW.chain_status <> 'ok',
          NEW.outcome <> 'completed')
  ON CONFLICT (campaign_id, local_date, screen_id, site_id) DO UPDATE SET
    plays = plays + excluded.plays, peak_plays = peak_plays + excluded.peak_plays,
    unverified = unverified + excluded.unverified, not_completed = not_completed + excluded.not_completed;
  INSERT INTO play_hour_counts (campaign_id, local_date, site_id, local_hour, plays, peak_plays, unverified, not_completed)
  VALUES (NEW.campaign_id, NEW.local_date, NEW.site_id, NEW.local_hour,
          NEW.outcome = 'completed' AND NEW.chain_status = 'ok',
          NEW.outcome = 'completed' AND NEW.chain_status = 'ok' AND NEW.in_peak <> 0,
          NEW.outcome = 'completed' AND NEW.chain_status <> 'ok',
          NEW.outcome <> 'completed')
  ON CONFLICT (campaign_id, local_date, site_id, local_hour) DO UPDATE SET
    plays = plays + excluded.plays, peak_plays = peak_plays + excluded.peak_plays,
    unverified = unverified + excluded.unverified, not_completed = not_completed + excluded.not_completed;
END;

CREATE TRIGGER report_counters_delete AFTER DELETE ON plays BEGIN
  UPDATE play_day_counts SET
    plays = plays - (OLD.outcome = 'completed' AND OLD.chain_status = 'ok'),
    peak_plays = peak_plays - (OLD.outcome = 'completed' AND OLD.chain_status = 'ok' AND OLD.in_peak <> 0),
    unverified = unverified - (OLD.outcome = 'completed' AND OLD.chain_status <> 'ok'),
    not_completed = not_completed - (OLD.outcome <> 'completed')
  WHERE campaign_id = OLD.campaign_id AND local_date = OLD.local_date AND screen_id = OLD.screen_id
    AND site_id = OLD.site_id;
  DELETE FROM play_day_counts
  WHERE campaign_id = OLD.campaign_id AND local_date = OLD.local_date AND screen_id = OLD.screen_id
    AND site_id = OLD.site_id AND plays = 0 AND unverified = 0 AND not_completed = 0;
  UPDATE play_hour_counts SET
    plays = plays - (OLD.outcome = 'completed' AND OLD.chain_status = 'ok'),
    peak_plays = peak_plays - (OLD.outcome = 'completed' AND OLD.chain_status = 'ok' AND OLD.in_peak <> 0),
    unverified = unverified - (OLD.outcome = 'completed' AND OLD.chain_status <> 'ok'),
    not_completed = not_completed - (OLD.outcome <> 'completed')
  WHERE campaign_id = OLD.campaign_id AND local_date = OLD.local_date AND site_id = OLD.site_id
    AND local_hour = OLD.local_hour;
  DELETE FROM play_hour_counts
  WHERE campaign_id = OLD.campaign_id AND local_date = OLD.local_date AND site_id = OLD.site_id
    AND local_hour = OLD.local_hour AND plays = 0 AND unverified = 0 AND not_completed = 0;
END;

-- Re-verification changes chain_status; anything else that moves a play between groups or
-- counts is handled the same way: out of the old rows, into the new ones.
CREATE TRIGGER report_counters_update
AFTER UPDATE OF campaign_id, local_date, screen_id, site_id, local_hour, outcome, in_peak, chain_status ON plays BEGIN
  UPDATE play_day_counts SET
    plays = plays - (OLD.outcome = 'completed' AND OLD.chain_status = 'ok'),
    peak_plays = peak_plays - (OLD.outcome = 'completed' AND OLD.chain_status = 'ok' AND OLD.in_peak <> 0),
    unverified = unverified - (OLD.outcome = 'completed' AND OLD.chain_status <> 'ok'),
    not_completed = not_completed - (OLD.outcome <> 'completed')
  WHERE campaign_id = OLD.campaign_id AND local_date = OLD.local_date AND screen_id = OLD.screen_id
    AND site_id = OLD.site_id;
  DELETE FROM play_day_counts
  WHERE campaign_id = OLD.campaign_id AND local_date = OLD.local_date AND screen_id = OLD.screen_id
    AND site_id = OLD.site_id AND plays = 0 AND unverified = 0 AND not_completed = 0;
  UPDATE play_hour_counts SET
    plays = plays - (OLD.outcome = 'completed' AND OLD.chain_status = 'ok'),
    peak_plays = peak_plays - (OLD.outcome = 'completed' AND OLD.chain_status = 'ok' AND OLD.in_peak <> 0),
    unverified = unverified - (OLD.outcome = 'completed' AND OLD.chain_status <> 'ok'),
    not_completed = not_completed - (OLD.outcome <> 'completed')
  WHERE campaign_id = OLD.campaign_id AND local_date = OLD.local_date AND site_id = OLD.site_id
    AND local_hour = OLD.local_hour;
  DELETE FROM play_hour_counts
  WHERE campaign_id = OLD.campaign_id AND local_date = OLD.local_date AND site_id = OLD.site_id
    AND local_hour = OLD.local_hour AND plays = 0 AND unverified = 0 AND not_completed = 0;
  INSERT INTO play_day_counts (campaign_id, local_date, screen_id, site_id, plays, peak_plays, unverified, not_completed)
  VALUES (NEW.campaign_id, NEW.local_date, NEW.screen_id, NEW.site_id,
          NEW.outcome = 'completed' AND NEW.chain_status = 'ok',
          NEW.outcome = 'completed' AND NEW.chain_status = 'ok' AND NEW.in_peak <> 0,
          NEW.outcome = 'completed' AND NEW.chain_status <> 'ok',
          NEW.outcome <> 'completed')
  ON CONFLICT (campaign_id, local_date, screen_id, site_id) DO UPDATE SET
    plays = plays + excluded.plays, peak_plays = peak_plays + excluded.peak_plays,
    unverified = unverified + excluded.unverified, not_completed = not_completed + excluded.not_completed;
  INSERT INTO play_hour_counts (campaign_id, local_date, site_id, local_hour, plays, peak_plays, unverified, not_completed)
  VALUES (NEW.campaign_id, NEW.local_date, NEW.site_id, NEW.local_hour,
          NEW.outcome = 'completed' AND NEW.chain_status = 'ok',
          NEW.outcome = 'completed' AND NEW.chain_status = 'ok' AND NEW.in_peak <> 0,
          NEW.outcome = 'completed' AND NEW.chain_status <> 'ok',
          NEW.outcome <> 'completed')
  ON CONFLICT (campaign_id, local_date, site_id, local_hour) DO UPDATE SET
    plays = plays + excluded.plays, peak_plays = peak_plays + excluded.peak_plays,
    unverified = unverified + excluded.unverified, not_completed = not_completed + excluded.not_completed;
END;
