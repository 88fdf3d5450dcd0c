-- Settled days (issue 12): make-goods count a past day only once the screen has settled it.
-- settled_ms: the server time up to which the player has uploaded everything it played (its
-- latest status with no backlog). unsettled_from: the earliest past day the last re-plan had to
-- presume played as planned because it was not settled yet; the player's next report of an
-- empty backlog re-plans the screen with the real counts.
ALTER TABLE screens ADD COLUMN settled_ms INTEGER;
ALTER TABLE screens ADD COLUMN unsettled_from TEXT;
