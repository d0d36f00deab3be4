-- /forgetme (/oublier): a member who asks to be forgotten leaves no row naming them. What
-- the others keep (a trip lent to them, a feedback received from them) stays true: its side
-- of the forgotten member moves to this one placeholder, shown as « ancien membre » /
-- "former member" (storage/privacy.py FORMER_MEMBER_ID). Telegram gives no person id 0.
INSERT INTO users (user_id, first_name, updated_at)
VALUES (0, 'ancien membre', '2026-01-01T00:00:00+00:00');

-- The ledger stays append-only, with one exception more than a group's move to a
-- supergroup (chat_id follows the group, every other column unchanged): a forgotten
-- member's id, as user_id or other_id, becomes the placeholder's, every other column
-- unchanged. Deleting stays refused (ledger_no_delete). `IS` throughout: a NULL among the
-- comparisons must refuse the update, not make the condition unknown and let it through.
DROP TRIGGER ledger_no_update;

CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
WHEN NOT (
    NEW.id IS OLD.id AND NEW.kind IS OLD.kind AND NEW.booking_id IS OLD.booking_id
    AND NEW.incident_id IS OLD.incident_id AND NEW.late_minutes IS OLD.late_minutes
    AND NEW.thumbs_up IS OLD.thumbs_up AND NEW.at IS OLD.at
    AND (
        (NEW.user_id IS OLD.user_id AND NEW.other_id IS OLD.other_id)
        OR (
            NEW.chat_id IS OLD.chat_id
            AND (NEW.user_id IS OLD.user_id OR NEW.user_id IS 0)
            AND (NEW.other_id IS OLD.other_id OR NEW.other_id IS 0)
        )
    )
)
BEGIN
    SELECT RAISE(ABORT, 'the ledger is append-only');
END;
