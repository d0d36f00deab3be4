-- Group admins' moderation: who is banned from a group, and the audit log of every admin
-- action, written in the transaction of the action itself.

CREATE TABLE bans (
    chat_id     INTEGER NOT NULL REFERENCES groups(chat_id) ON UPDATE CASCADE ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users(user_id),
    banned_by   INTEGER NOT NULL REFERENCES users(user_id),
    banned_at   TEXT    NOT NULL,
    PRIMARY KEY (chat_id, user_id)
) WITHOUT ROWID;

-- `target_id` is the member acted upon (ban, unban), `car_id` and `booking_id` the object;
-- `detail` says what changed when the row alone would not (a setting's new value).
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    chat_id     INTEGER NOT NULL REFERENCES groups(chat_id) ON UPDATE CASCADE,
    admin_id    INTEGER NOT NULL REFERENCES users(user_id),
    action      TEXT    NOT NULL CHECK (action IN (
        'ban', 'unban', 'remove_car', 'cancel_booking', 'change_setting'
    )),
    target_id   INTEGER REFERENCES users(user_id),
    car_id      INTEGER REFERENCES cars(id),
    booking_id  INTEGER REFERENCES bookings(id),
    detail      TEXT    NOT NULL DEFAULT '',
    at          TEXT    NOT NULL
);

CREATE INDEX audit_log_by_group ON audit_log(chat_id, id);
