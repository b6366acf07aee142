"""Who is typing, and the buttons on screen: numbered per card, stable across updates.

A card keeps its buttons' numbers when it is updated; a button that an update removed
keeps its number reserved, and pressing it is refused with a hint instead of acting on
whatever now sits at that position. Console names may be any Unicode (``佐藤``); the core
sees an ASCII id for each (``u-e4bd90e897a4``), shown back as the name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TextIO

from adapters.console.render import render_message
from bot.model.i18n import t
from bot.model.inbound import Actor
from bot.model.messages import MENTION, Audience, Button, Message
from bot.model.ports import Meta, PostRef, Target

PLATFORM = "console"
_ASCII_ID = re.compile(r"^[A-Za-z0-9_.-]+$")
_ENCODED = re.compile(r"^u-((?:[0-9a-f]{2})+)$")


def user_id(name: str) -> str:
    """The id the core sees for a console name: the name itself when it is a plain ASCII
    word, else ``u-`` and its UTF-8 bytes in hex (mention-safe, reversible)."""
    if _ASCII_ID.match(name) and not _ENCODED.match(name):
        return name
    return "u-" + name.encode("utf-8").hex()


def display(user: str) -> str:
    """The console name behind an id (see :func:`user_id`)."""
    match = _ENCODED.match(user)
    if match is None:
        return user
    try:
        return bytes.fromhex(match.group(1)).decode("utf-8")
    except UnicodeDecodeError:
        return user


def names_shown(text: str) -> str:
    """Mentions as ``@name``."""
    return MENTION.sub(lambda m: "@" + display(m.group(1)), text)


@dataclass
class Shown:
    button: Button
    audience: Audience
    card: int
    current: bool = True  # still on the latest version of its card


@dataclass
class ConsoleSession:
    """Who is typing, the roles people were given, and every button shown so far."""

    out: TextIO
    locale: str
    user: str = "employee"
    roles: dict[str, str] = field(default_factory=dict)
    buttons: dict[int, Shown] = field(default_factory=dict)
    cards: int = 0

    def actor(self) -> Actor:
        return Actor(platform=PLATFORM, user_id=self.user, locale=self.locale)

    def say(self, key: str, **values: object) -> None:
        self.out.write(t(self.locale, key, **values) + "\n")
        self.out.flush()

    def new_card(self) -> int:
        self.cards += 1
        return self.cards

    def show(self, message: Message, audience: Audience, header: str | None = None, *, card: int | None = None) -> int:
        """Print ``message`` as card ``card`` (a new card when None); returns the card."""
        card = card if card is not None else self.new_card()
        numbers = self._number(card, message, audience)
        if header:
            self.out.write(f"--- {header} ---\n")
        for line in render_message(message, numbers=numbers, names=display):
            self.out.write(line + "\n")
        self.out.flush()
        return card

    def _number(self, card: int, message: Message, audience: Audience) -> list[int]:
        """Same button (action and value) on the same card → the same number."""
        earlier = {(s.button.action, s.button.value): n for n, s in self.buttons.items() if s.card == card}
        for shown in self.buttons.values():
            if shown.card == card:
                shown.current = False
        numbers = []
        for button in message.buttons:
            number = earlier.get((button.action, button.value)) or max(self.buttons, default=0) + 1
            self.buttons[number] = Shown(button, audience, card)
            numbers.append(number)
        return numbers


class ConsoleMessenger:
    """Posts are printed; every audience is this terminal. A post is a card; its
    updates print the card again with the same button numbers."""

    def __init__(self, session: ConsoleSession) -> None:
        self.session = session
        self._audience: dict[int, Audience] = {}

    async def post(self, target: Target, message: Message, *, meta: Meta, thread: PostRef | None = None) -> PostRef:
        card = self.session.show(message, target.audience, _header(target, message.locale))
        self._audience[card] = target.audience
        return PostRef({"post": card})

    async def update(self, ref: PostRef, message: Message, *, meta: Meta) -> None:
        card = int(ref.data.get("post") or 0)
        header = f"{t(message.locale, 'console.updated')} #{card}"
        audience = self._audience.get(card, Audience.SUPERVISORS)
        self.session.show(message, audience, header, card=card if card in self._audience else None)

    async def reachable(self, audience: Audience) -> bool:
        return True


class ConsoleDirectory:
    """Whoever said ``:as supervisor NAME`` is a member of every supervisors' channel."""

    def __init__(self, session: ConsoleSession) -> None:
        self.session = session

    async def is_member(self, user_id: str, audience: Audience) -> bool:
        return audience != Audience.USER and self.session.roles.get(user_id) == "supervisor"

    async def is_member_of(self, user_id: str, *, place: Target) -> bool:
        """``:as hr NAME`` acts on the HR route only; supervisors on every site's alerts."""
        role = self.session.roles.get(user_id)
        return role == ("hr" if place.audience == Audience.HR else "supervisor")


def _header(target: Target, locale: str) -> str:
    if target.audience == Audience.SUPERVISORS:
        return t(locale, "console.to_supervisors")
    if target.audience == Audience.ESCALATION:
        return t(locale, "console.to_escalation")
    if target.audience == Audience.HR:
        return t(locale, "console.to_hr")
    return t(locale, "console.to_user", user=display(target.user_id or "?"))
