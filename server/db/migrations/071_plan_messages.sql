-- 071: each screen's `plan` message as sent, serialised once. The plan service writes it in the
-- same transaction as the plan rows; the player gateway pushes these exact bytes on a change and
-- answers `pull` with them (one primary-key lookup). A row is only ever the current message:
-- anything that changes what the message would say deletes it, and the next pull or push
-- builds it again from screen_plans.
CREATE TABLE plan_messages (
  screen_id   TEXT PRIMARY KEY REFERENCES screens(id),
  version     INTEGER NOT NULL,
  message     TEXT NOT NULL,             -- the whole JSON frame, {"type":"plan","v":1,...}
  built_at_ms INTEGER NOT NULL
) STRICT;

CREATE TRIGGER plan_messages_plan_insert AFTER INSERT ON screen_plans BEGIN
  DELETE FROM plan_messages WHERE screen_id = NEW.screen_id;
END;
CREATE TRIGGER plan_messages_plan_update AFTER UPDATE ON screen_plans BEGIN
  DELETE FROM plan_messages WHERE screen_id IN (OLD.screen_id, NEW.screen_id);
END;
CREATE TRIGGER plan_messages_plan_delete AFTER DELETE ON screen_plans BEGIN
  DELETE FROM plan_messages WHERE screen_id = OLD.screen_id;
END;
CREATE TRIGGER plan_messages_screen_update AFTER UPDATE OF plan_version, site_id ON screens BEGIN
  DELETE FROM plan_messages WHERE screen_id = OLD.id;
END;
CREATE TRIGGER plan_messages_site_update AFTER UPDATE OF name, time_zone ON sites BEGIN
  DELETE FROM plan_messages WHERE screen_id IN (SELECT id FROM screens WHERE site_id = OLD.id);
END;
CREATE TRIGGER plan_messages_media_update AFTER UPDATE ON media BEGIN
  DELETE FROM plan_messages;
END;
CREATE TRIGGER plan_messages_campaign_media AFTER UPDATE OF media_sha256, status ON campaigns BEGIN
  DELETE FROM plan_messages;
END;
