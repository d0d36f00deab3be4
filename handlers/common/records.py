"""A member's record in one line, as an owner reads it under a request."""

from __future__ import annotations

from babel.lists import format_list

from bot.reputation import Profile
from handlers.common.context import CovoisinContext
from handlers.common.render import first_name
from handlers.common.speech import Speaker


def names_list(say: Speaker, names: list[str]) -> str:
    return format_list(names, locale=say.language)


async def voucher_names(context: CovoisinContext, profile: Profile) -> list[str]:
    return [await first_name(context, user_id) for user_id in profile.vouched_by]


async def profile_line(context: CovoisinContext, say: Speaker, chat_id: int, user_id: int) -> str:
    """« Marie : 5 emprunts, 5 rendus à l'heure · 👍 5 · 👎 0 · 🤝 Jean », under a request."""
    profile = await context.services.reputation.profile_of(chat_id, user_id)
    name = await first_name(context, user_id)
    if not profile.borrowed:
        parts = [say("reputation.line.first", name=name)]
    else:
        parts = [
            say.plural(
                "reputation.line.borrowed",
                profile.borrowed,
                name=name,
                on_time=profile.borrowed_on_time,
            )
        ]
    parts.append(say("reputation.line.thumbs", up=profile.thumbs_up, down=profile.thumbs_down))
    if profile.vouched_by:
        parts.append(
            say(
                "reputation.line.vouched",
                names=names_list(say, await voucher_names(context, profile)),
            )
        )
    if profile.open_incidents:
        parts.append(say.plural("reputation.line.incidents", len(profile.open_incidents)))
    return " · ".join(parts)
