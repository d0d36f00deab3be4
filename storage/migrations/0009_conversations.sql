-- The conversations under way (storage/persistence.py): a villager's half-filled form
-- (/ajouter, a pickup or return reading, a feedback comment, the charter or time zone of
-- /reglages) survives a restart. Both tables hold JSON, never pickles: readable with the
-- sqlite3 shell, and loading them runs no code.
--
-- Each row is one person's: /mesdonnees lists it and /oublier deletes it
-- (storage/privacy.py). No ON DELETE CASCADE, as elsewhere: erasing names these tables
-- itself, and a reference it missed fails the deletion of the users row.

-- PTB's `user_data` of a member: the answers given so far. No row when it is empty.
CREATE TABLE user_data (
    user_id     INTEGER PRIMARY KEY REFERENCES users(user_id),
    data        TEXT    NOT NULL CHECK (json_valid(data) AND json_type(data) = 'object'),
    updated_at  TEXT    NOT NULL
);

-- Where each persistent ConversationHandler (`name`) is with one member: PTB's key (the
-- private chat and the member, or the member alone) as a JSON array, the state as JSON.
-- A conversation that ends leaves no row.
CREATE TABLE conversations (
    name        TEXT    NOT NULL,
    key         TEXT    NOT NULL CHECK (json_valid(key) AND json_type(key) = 'array'),
    user_id     INTEGER NOT NULL REFERENCES users(user_id),
    state       TEXT    NOT NULL CHECK (json_valid(state)),
    updated_at  TEXT    NOT NULL,
    PRIMARY KEY (name, key)
);

CREATE INDEX conversations_by_user ON conversations(user_id);
