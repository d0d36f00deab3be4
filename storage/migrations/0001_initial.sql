-- Groups the bot was added to, and the people it has met in them.
CREATE TABLE groups (
    chat_id     INTEGER PRIMARY KEY,
    title       TEXT    NOT NULL,
    language    TEXT    NOT NULL,
    timezone    TEXT    NOT NULL,
    active      INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    added_at    TEXT    NOT NULL
);

CREATE TABLE users (
    user_id     INTEGER PRIMARY KEY,
    first_name  TEXT    NOT NULL,
    username    TEXT,
    -- the language the member chose in the bot, NULL until they choose one
    language    TEXT,
    -- what Telegram says the member's app uses, the fallback after their own choice
    telegram_language TEXT,
    -- set when the member has opened the private chat (a DM can reach them)
    started_at  TEXT,
    updated_at  TEXT    NOT NULL
);

CREATE TABLE members (
    chat_id     INTEGER NOT NULL REFERENCES groups(chat_id) ON UPDATE CASCADE ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    first_seen  TEXT    NOT NULL,
    PRIMARY KEY (chat_id, user_id)
);

CREATE INDEX members_by_user ON members(user_id);

-- Private messages that could not be delivered yet (the member never opened the
-- private chat); they are sent when the member presses the deep link.
CREATE TABLE pending_messages (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    chat_id     INTEGER REFERENCES groups(chat_id) ON UPDATE CASCADE ON DELETE SET NULL,
    text        TEXT    NOT NULL,
    reply_markup TEXT,
    created_at  TEXT    NOT NULL,
    delivered_at TEXT
);

CREATE INDEX pending_messages_undelivered ON pending_messages(user_id) WHERE delivered_at IS NULL;
