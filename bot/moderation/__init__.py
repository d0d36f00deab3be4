"""Group admins' moderation: bans, the audit log, and the group settings they choose in
/reglages (settings_choices: the values offered)."""

from bot.moderation.service import Banned, ModerationService, Unbanned

__all__ = ["Banned", "ModerationService", "Unbanned"]
