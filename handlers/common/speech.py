"""Who is reading, in which language, and what to say to them."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from telegram import Chat, Update
from telegram import User as TgUser

from bot.i18n import Html
from handlers.common.context import CovoisinContext


@dataclass(frozen=True, slots=True)
class Speaker:
    """Text in one reader's language, bound to the translator."""

    context: CovoisinContext
    language: str
    zone: ZoneInfo

    def __call__(self, key: str, /, **values: object) -> str:
        return self.context.services.translator.text(self.language, key, **values)

    def plural(self, key: str, count: int, /, **values: object) -> str:
        return self.context.services.translator.plural(self.language, key, count, **values)


def is_group(chat: Chat | None) -> bool:
    return chat is not None and chat.type in (Chat.GROUP, Chat.SUPERGROUP)


def mention(user_id: int, name: str) -> Html:
    """A link that notifies the member; the name is escaped, the link is ours."""
    from html import escape

    return Html(f'<a href="tg://user?id={user_id}">{escape(name, quote=False)}</a>')


async def group_speaker(context: CovoisinContext, chat_id: int) -> Speaker:
    """For messages posted in a group: everyone reads them, so the group's language."""
    services = context.services
    group = await services.repos.groups.get(chat_id)
    language = group.language if group else services.settings.default_language
    zone = ZoneInfo(group.timezone) if group else services.settings.zone
    return Speaker(context, language, zone)


async def personal_speaker(
    context: CovoisinContext, user: TgUser | None, group_chat_id: int | None = None
) -> Speaker:
    """For one member: their own choice, else their app's language, else the group's."""
    services = context.services
    group = await services.repos.groups.get(group_chat_id) if group_chat_id else None
    stored = await services.repos.users.get(user.id) if user else None
    language = services.translator.resolve_language(
        stored.language if stored else None,
        user.language_code if user else None,
        group.language if group else services.settings.default_language,
    )
    zone = ZoneInfo(group.timezone) if group else services.settings.zone
    return Speaker(context, language, zone)


async def member_speaker(context: CovoisinContext, user_id: int, chat_id: int) -> Speaker:
    """For a member known only by id (someone to tell, not the one acting): their own
    choice, else their app's language, else the group's; the group's time zone."""
    services = context.services
    stored = await services.repos.users.get(user_id)
    group = await services.repos.groups.get(chat_id)
    language = services.translator.resolve_language(
        stored.language if stored else None,
        stored.telegram_language if stored else None,
        group.language if group else services.settings.default_language,
    )
    zone = ZoneInfo(group.timezone) if group else services.settings.zone
    return Speaker(context, language, zone)


async def speaker_for(update: Update, context: CovoisinContext) -> Speaker:
    chat = update.effective_chat
    if is_group(chat):
        assert chat is not None
        return await group_speaker(context, chat.id)
    return await personal_speaker(context, update.effective_user)
