"""The command menus Telegram shows, per language and per kind of chat."""

from __future__ import annotations

from telegram import (
    BotCommand,
    BotCommandScope,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
)
from telegram.ext import ExtBot

from bot.i18n import Translator

# (command shown to English readers, to French readers, where it is offered). "admins":
# offered to group administrators only; their menu also holds every group command, since
# Telegram shows them the administrators' scope instead of the groups' one.
_BOTH = frozenset({"private", "group"})
MENU: tuple[tuple[str, str, frozenset[str]], ...] = (
    ("start", "start", frozenset({"private"})),
    ("addcar", "ajouter", _BOTH),
    ("cars", "voitures", _BOTH),
    ("book", "reserver", _BOTH),
    ("free", "libre", _BOTH),
    ("bookings", "resas", _BOTH),
    ("cancel", "annuler", frozenset({"private"})),
    ("available", "dispo", _BOTH),
    ("unavailable", "indispo", _BOTH),
    ("comanager", "cogerant", frozenset({"group"})),
    ("removecar", "retirer", _BOTH),
    ("profile", "profil", _BOTH),
    ("vouch", "garant", frozenset({"group"})),
    ("ban", "bannir", frozenset({"admins"})),
    ("unban", "debannir", frozenset({"admins"})),
    ("incidents", "incidents", frozenset({"admins"})),
    ("settings", "reglages", frozenset({"admins"})),
    ("mydata", "mesdonnees", frozenset({"private"})),
    ("forgetme", "oublier", frozenset({"private"})),
    ("export", "export", frozenset({"private"})),
    ("auditlog", "journal", frozenset({"private"})),
    ("help", "aide", _BOTH),
)


def commands_for(translator: Translator, language: str, where: str) -> list[BotCommand]:
    commands = []
    offered = {"group", "admins"} if where == "admins" else {where}
    for english, french, places in MENU:
        if offered & places:
            name = french if language == "fr" else english
            commands.append(BotCommand(name, translator.text(language, f"menu.{english}")))
    return commands


async def publish_menus(bot: ExtBot[int], translator: Translator) -> None:
    scopes: tuple[tuple[BotCommandScope, str], ...] = (
        (BotCommandScopeAllPrivateChats(), "private"),
        (BotCommandScopeAllGroupChats(), "group"),
        (BotCommandScopeAllChatAdministrators(), "admins"),
    )
    for scope, where in scopes:
        # Without a language code: what readers of any other language get.
        await bot.set_my_commands(
            commands_for(translator, translator.default_language, where), scope=scope
        )
        for language in translator.catalogs:
            await bot.set_my_commands(
                commands_for(translator, language, where), scope=scope, language_code=language
            )
