-- Cars, who manages them, when they can be booked, and the bookings themselves.
-- Instants are UTC ISO-8601 text (storage/timeutil.py), so they compare as text.

CREATE TABLE cars (
    id          INTEGER PRIMARY KEY,
    chat_id     INTEGER NOT NULL REFERENCES groups(chat_id) ON UPDATE CASCADE ON DELETE CASCADE,
    owner_id    INTEGER NOT NULL REFERENCES users(user_id),
    -- the name as the owner typed it, shown back; `name_key` is what commands match
    -- (lower case, accents stripped), so `Clio` and `clio` are one car
    name        TEXT    NOT NULL,
    name_key    TEXT    NOT NULL,
    description TEXT    NOT NULL DEFAULT '',
    seats       INTEGER NOT NULL CHECK (seats BETWEEN 1 AND 9),
    energy      TEXT    NOT NULL CHECK (energy IN ('petrol', 'diesel', 'electric', 'hybrid')),
    parked_at   TEXT    NOT NULL DEFAULT '',
    rules       TEXT    NOT NULL DEFAULT '',
    photo_file_id TEXT,
    contribution_per_km_cents  INTEGER CHECK (contribution_per_km_cents >= 0),
    contribution_per_day_cents INTEGER CHECK (contribution_per_day_cents >= 0),
    -- private: only ever sent to the borrower of an accepted booking
    key_instructions TEXT,
    booking_mode TEXT   NOT NULL DEFAULT 'on_request'
        CHECK (booking_mode IN ('on_request', 'windows')),
    paused      INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
    -- filled by the reputation issue; stored now so listing a car is one form
    auto_accept_trusted INTEGER NOT NULL DEFAULT 0 CHECK (auto_accept_trusted IN (0, 1)),
    created_at  TEXT    NOT NULL,
    -- removed cars stay: past bookings and the ledger still point at them
    removed_at  TEXT
);

-- A name is free again once its car is removed.
CREATE UNIQUE INDEX cars_name_in_group ON cars(chat_id, name_key) WHERE removed_at IS NULL;

CREATE TABLE car_managers (
    car_id      INTEGER NOT NULL REFERENCES cars(id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    added_at    TEXT    NOT NULL,
    PRIMARY KEY (car_id, user_id)
) WITHOUT ROWID;

CREATE INDEX car_managers_by_user ON car_managers(user_id);

-- When a car may be booked (`open`, used by cars booked only inside windows) or may not
-- (`blocked`). A row is either one period (`start_at`, `end_at`) or a weekly rule: the
-- weekdays (bit 0 = Monday), a daily wall-clock range in the group's time zone (minutes
-- after midnight, 1440 = midnight at the end of the day) and an optional last day.
CREATE TABLE availability (
    id          INTEGER PRIMARY KEY,
    car_id      INTEGER NOT NULL REFERENCES cars(id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL CHECK (kind IN ('open', 'blocked')),
    start_at    TEXT,
    end_at      TEXT,
    weekdays    INTEGER CHECK (weekdays BETWEEN 1 AND 127),
    start_minute INTEGER CHECK (start_minute BETWEEN 0 AND 1439),
    end_minute  INTEGER CHECK (end_minute BETWEEN 1 AND 1440),
    last_day    TEXT,
    created_by  INTEGER NOT NULL REFERENCES users(user_id),
    created_at  TEXT    NOT NULL,
    CHECK (
        (start_at IS NOT NULL AND end_at > start_at
            AND weekdays IS NULL AND start_minute IS NULL AND end_minute IS NULL
            AND last_day IS NULL)
        OR (start_at IS NULL AND end_at IS NULL
            AND weekdays IS NOT NULL AND end_minute > start_minute)
    )
);

-- One-time periods are found by their end (past ones drop out of the range scan);
-- weekly rules sit under `end_at IS NULL` in the same index.
CREATE INDEX availability_by_car ON availability(car_id, end_at);

CREATE TABLE bookings (
    id          INTEGER PRIMARY KEY,
    car_id      INTEGER NOT NULL REFERENCES cars(id) ON DELETE CASCADE,
    -- the car's group, copied so that "does this belong to that group" needs no join
    chat_id     INTEGER NOT NULL REFERENCES groups(chat_id) ON UPDATE CASCADE ON DELETE CASCADE,
    borrower_id INTEGER NOT NULL REFERENCES users(user_id),
    start_at    TEXT    NOT NULL,
    end_at      TEXT    NOT NULL,
    status      TEXT    NOT NULL CHECK (status IN (
        'pending', 'accepted', 'declined', 'expired', 'cancelled',
        'active', 'returned', 'closed', 'no_show'
    )),
    created_at  TEXT    NOT NULL,
    -- when a pending request lapses; kept afterwards as a record
    expires_at  TEXT    NOT NULL,
    decided_at  TEXT,
    -- NULL on a decision the bot took (a request declined because another one was accepted)
    decided_by  INTEGER REFERENCES users(user_id),
    decline_reason TEXT,
    -- the accepted booking that took this request's slot, so a late Accept can say which
    superseded_by INTEGER REFERENCES bookings(id),
    cancelled_at TEXT,
    cancelled_by INTEGER REFERENCES users(user_id),
    late_cancellation INTEGER NOT NULL DEFAULT 0 CHECK (late_cancellation IN (0, 1)),
    CHECK (end_at > start_at)
);

-- The overlap check. Accepted and active bookings of one car never overlap each other, so
-- the only one that can start before an interval and still run into it is the latest one
-- starting before it: the query reads that one entry plus those starting inside the
-- interval, however long the car's history.
CREATE INDEX bookings_busy ON bookings(car_id, start_at, end_at)
    WHERE status IN ('accepted', 'active');

-- Pending requests, few at any time: overlapping ones on accept, expiry jobs at start.
CREATE INDEX bookings_pending_by_car ON bookings(car_id, start_at) WHERE status = 'pending';
CREATE INDEX bookings_pending_expiry ON bookings(expires_at) WHERE status = 'pending';

-- "My bookings" and a removed car's future bookings: past ones drop out of the range scan.
CREATE INDEX bookings_by_car_end ON bookings(car_id, end_at);
CREATE INDEX bookings_by_borrower_end ON bookings(borrower_id, end_at);

-- A group's booking settings; no row means the defaults written here.
CREATE TABLE group_settings (
    chat_id     INTEGER PRIMARY KEY
        REFERENCES groups(chat_id) ON UPDATE CASCADE ON DELETE CASCADE,
    request_expiry_minutes INTEGER NOT NULL DEFAULT 720 CHECK (request_expiry_minutes > 0),
    max_duration_minutes   INTEGER NOT NULL DEFAULT 4320 CHECK (max_duration_minutes > 0),
    horizon_days           INTEGER NOT NULL DEFAULT 60 CHECK (horizon_days > 0)
);
