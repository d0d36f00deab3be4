-- A group may ask that a member's first booking come with a neighbour's vouch.
ALTER TABLE group_settings ADD COLUMN vouch_required INTEGER NOT NULL DEFAULT 0
    CHECK (vouch_required IN (0, 1));
