-- Several campaigns per screen (issue 14, part 3): when campaigns share a screen, they are planned
-- in priority order, lower first (the city's campaign is 1); ties by id. A campaign that names
-- none comes after every campaign that does. The playlist file sets it ("priority").
ALTER TABLE campaigns ADD COLUMN priority INTEGER NOT NULL DEFAULT 100 CHECK (priority BETWEEN 1 AND 1000);
