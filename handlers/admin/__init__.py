"""Group administration in Telegram: /bannir and /incidents (moderation), /reglages
(group_settings), /journal (journal), /export (export)."""
