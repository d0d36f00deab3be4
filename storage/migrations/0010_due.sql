-- When each booking next needs the bot: its request's expiry, its reminders, its feedback
-- reveal. Derived from the bookings by bot/schedule.py after every change and at start,
-- kept here by time so that one timer (handlers/jobs.py) wakes at the earliest: a start
-- with 10^5 reminders arms one timer, not 10^5 jobs.
CREATE TABLE due (
    booking_id INTEGER NOT NULL REFERENCES bookings(id),
    kind       TEXT    NOT NULL,
    at         TEXT    NOT NULL,
    PRIMARY KEY (booking_id, kind)
) WITHOUT ROWID;

CREATE INDEX due_by_time ON due(at);
