-- Reputation: the ledger of what happened, two-sided feedback after a return, and each
-- member's acceptance of the group charter. Vouches are ledger rows too: who vouches for
-- whom is what the ledger says, so there is no second copy to keep in step.

-- A trusted neighbour (auto-accept) is vouched for by this many members and has this many
-- completed borrowings, with no 👎 and no open incident.
ALTER TABLE group_settings ADD COLUMN trusted_min_vouches INTEGER NOT NULL DEFAULT 1
    CHECK (trusted_min_vouches >= 0);
ALTER TABLE group_settings ADD COLUMN trusted_min_borrowings INTEGER NOT NULL DEFAULT 2
    CHECK (trusted_min_borrowings >= 0);
-- shown before a member's first request when set; NULL means no charter
ALTER TABLE group_settings ADD COLUMN charter TEXT;

-- Append-only: a row says what happened to `user_id` in the group, with `other_id` the
-- other party (the owner, the borrower, the voucher's neighbour...). Only /forgetme may
-- later rewrite names; the triggers below refuse every other change but a group's move to
-- a supergroup (chat_id follows the group).
CREATE TABLE ledger (
    id          INTEGER PRIMARY KEY,
    chat_id     INTEGER NOT NULL REFERENCES groups(chat_id) ON UPDATE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users(user_id),
    kind        TEXT    NOT NULL CHECK (kind IN (
        'borrowed', 'lent', 'incident_opened', 'incident_resolved', 'no_show',
        'late_cancellation', 'feedback_received', 'vouch_given', 'vouch_withdrawn',
        'contribution_paid'
    )),
    other_id    INTEGER REFERENCES users(user_id),
    booking_id  INTEGER REFERENCES bookings(id),
    incident_id INTEGER REFERENCES incidents(id),
    -- 'borrowed': minutes late at return, 0 when on time
    late_minutes INTEGER CHECK (late_minutes >= 0),
    -- 'feedback_received': 1 for 👍, 0 for 👎
    thumbs_up   INTEGER CHECK (thumbs_up IN (0, 1)),
    at          TEXT    NOT NULL
);

CREATE INDEX ledger_by_member ON ledger(chat_id, user_id, id);
CREATE INDEX ledger_vouches ON ledger(chat_id, other_id) WHERE kind IN ('vouch_given', 'vouch_withdrawn');

CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
BEGIN
    SELECT RAISE(ABORT, 'the ledger is append-only');
END;

CREATE TRIGGER ledger_no_update
BEFORE UPDATE OF id, user_id, kind, other_id, booking_id, incident_id, late_minutes,
    thumbs_up, at ON ledger
BEGIN
    SELECT RAISE(ABORT, 'the ledger is append-only');
END;

-- One answer per side of a returned booking; hidden from the other side until revealed.
CREATE TABLE feedback (
    booking_id  INTEGER NOT NULL REFERENCES bookings(id),
    side        TEXT    NOT NULL CHECK (side IN ('borrower', 'owner')),
    author_id   INTEGER NOT NULL REFERENCES users(user_id),
    subject_id  INTEGER NOT NULL REFERENCES users(user_id),
    thumbs_up   INTEGER NOT NULL CHECK (thumbs_up IN (0, 1)),
    -- the tags chosen, comma-separated, in a fixed order
    tags        TEXT    NOT NULL DEFAULT '',
    comment     TEXT    NOT NULL DEFAULT '' CHECK (length(comment) <= 500),
    given_at    TEXT    NOT NULL,
    PRIMARY KEY (booking_id, side)
) WITHOUT ROWID;

-- One row per returned booking, written with the return: when its feedback is revealed at
-- the latest, and when it was. Reveal jobs are rebuilt from the rows not revealed yet, and
-- claim the row in a transaction, so a restart never reveals twice.
CREATE TABLE feedback_rounds (
    booking_id  INTEGER PRIMARY KEY REFERENCES bookings(id),
    returned_at TEXT    NOT NULL,
    due_at      TEXT    NOT NULL,
    revealed_at TEXT
);

CREATE INDEX feedback_rounds_open ON feedback_rounds(due_at) WHERE revealed_at IS NULL;

CREATE TABLE charter_acceptances (
    chat_id     INTEGER NOT NULL REFERENCES groups(chat_id) ON UPDATE CASCADE ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    accepted_at TEXT    NOT NULL,
    PRIMARY KEY (chat_id, user_id)
) WITHOUT ROWID;
