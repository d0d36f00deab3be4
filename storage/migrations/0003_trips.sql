-- The trip itself: readings at pickup and return, incidents, reminders already sent,
-- no-shows, the managers' check of a return and the cost contribution. Everything here is
-- a record the reputation ledger reads later, so rows are added or completed, never deleted.

-- Reminder offsets in seconds (seconds, so that end-to-end tests can wait a few of them).
ALTER TABLE group_settings ADD COLUMN pickup_reminder_seconds INTEGER NOT NULL DEFAULT 3600
    CHECK (pickup_reminder_seconds >= 0);
ALTER TABLE group_settings ADD COLUMN end_reminder_seconds INTEGER NOT NULL DEFAULT 1800
    CHECK (end_reminder_seconds >= 0);
ALTER TABLE group_settings ADD COLUMN overdue_alert_seconds INTEGER NOT NULL DEFAULT 1800
    CHECK (overdue_alert_seconds >= 0);
-- after a request was made, its managers are reminded once if it is still pending
ALTER TABLE group_settings ADD COLUMN pending_reminder_seconds INTEGER NOT NULL DEFAULT 7200
    CHECK (pending_reminder_seconds > 0);

-- What the borrower read on the dashboard when taking and when bringing back the car.
-- Fuel (or charge) in quarters: 0 empty, 2 half, 4 full.
CREATE TABLE trip_readings (
    booking_id  INTEGER NOT NULL REFERENCES bookings(id) ON DELETE CASCADE,
    moment      TEXT    NOT NULL CHECK (moment IN ('pickup', 'return')),
    odometer_km INTEGER NOT NULL CHECK (odometer_km >= 0),
    fuel_quarters INTEGER NOT NULL CHECK (fuel_quarters BETWEEN 0 AND 4),
    photo_file_id TEXT,
    -- the reading was below the car's last recorded return and the borrower confirmed it
    confirmed_lower INTEGER NOT NULL DEFAULT 0 CHECK (confirmed_lower IN (0, 1)),
    recorded_by INTEGER NOT NULL REFERENCES users(user_id),
    recorded_at TEXT    NOT NULL,
    PRIMARY KEY (booking_id, moment)
) WITHOUT ROWID;

CREATE INDEX trip_readings_returns ON trip_readings(moment, recorded_at);

-- A manager's look at a returned car: all good, or a problem (then an incident exists).
CREATE TABLE return_checks (
    booking_id  INTEGER PRIMARY KEY REFERENCES bookings(id) ON DELETE CASCADE,
    outcome     TEXT    NOT NULL CHECK (outcome IN ('all_good', 'problem')),
    checked_by  INTEGER NOT NULL REFERENCES users(user_id),
    checked_at  TEXT    NOT NULL
);

CREATE TABLE incidents (
    id          INTEGER PRIMARY KEY,
    booking_id  INTEGER NOT NULL REFERENCES bookings(id) ON DELETE CASCADE,
    opened_by   INTEGER NOT NULL REFERENCES users(user_id),
    text        TEXT    NOT NULL,
    photo_file_id TEXT,
    opened_at   TEXT    NOT NULL,
    resolved_by INTEGER REFERENCES users(user_id),
    resolved_at TEXT
);

CREATE INDEX incidents_by_booking ON incidents(booking_id);
CREATE INDEX incidents_open ON incidents(opened_at) WHERE resolved_at IS NULL;

-- One row per reminder sent: claimed in a transaction before sending, so no reminder is
-- ever sent twice, even across a crash or a restart.
CREATE TABLE reminders_sent (
    booking_id  INTEGER NOT NULL REFERENCES bookings(id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL CHECK (kind IN ('pending', 'pickup', 'no_show', 'end', 'overdue')),
    sent_at     TEXT    NOT NULL,
    PRIMARY KEY (booking_id, kind)
) WITHOUT ROWID;

CREATE TABLE no_shows (
    booking_id  INTEGER PRIMARY KEY REFERENCES bookings(id) ON DELETE CASCADE,
    marked_by   INTEGER NOT NULL REFERENCES users(user_id),
    marked_at   TEXT    NOT NULL
);

-- The contribution suggested at return, with what it was computed from; the borrower
-- marks it paid, a manager confirms. No money moves through the bot.
CREATE TABLE contributions (
    booking_id  INTEGER PRIMARY KEY REFERENCES bookings(id) ON DELETE CASCADE,
    borrower_id INTEGER NOT NULL REFERENCES users(user_id),
    owner_id    INTEGER NOT NULL REFERENCES users(user_id),
    distance_km INTEGER NOT NULL CHECK (distance_km >= 0),
    days        INTEGER NOT NULL CHECK (days >= 1),
    per_km_cents  INTEGER,
    per_day_cents INTEGER,
    amount_cents INTEGER NOT NULL CHECK (amount_cents >= 0),
    created_at  TEXT    NOT NULL,
    paid_at     TEXT,
    confirmed_by INTEGER REFERENCES users(user_id),
    confirmed_at TEXT
);

CREATE INDEX contributions_open_by_borrower ON contributions(borrower_id)
    WHERE confirmed_at IS NULL;
CREATE INDEX contributions_open_by_owner ON contributions(owner_id) WHERE confirmed_at IS NULL;

-- Reminder jobs are rebuilt at start from the bookings still open.
CREATE INDEX bookings_open_status ON bookings(status) WHERE status IN ('pending', 'accepted', 'active');
