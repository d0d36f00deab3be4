"""Group admins' moderation: bans and the audit log."""

from bot.moderation.service import Banned, ModerationService, Unbanned

__all__ = ["Banned", "ModerationService", "Unbanned"]
