-- A private message Telegram failed to take (a fault, not a closed private chat) is kept
-- like one waiting for the deep link, and tried again by the bot at `retry_at`: a notice
-- (an acceptance, a cancellation, a reminder) is never lost to a passing error.
-- NULL `retry_at`: the message waits for the member to open the private chat.
ALTER TABLE pending_messages ADD COLUMN retry_at TEXT;
ALTER TABLE pending_messages ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0);

CREATE INDEX pending_messages_retry ON pending_messages(retry_at)
    WHERE delivered_at IS NULL AND retry_at IS NOT NULL;
