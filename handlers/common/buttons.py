"""Inline buttons: each carries short, versioned data (bot/callbacks.py)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import Callback, Kind


def button(label: str, kind: Kind, target: int, option: str | None = None) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=Callback(kind, target, option).data())


def one_button(label: str, kind: Kind, target: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[button(label, kind, target)]])
