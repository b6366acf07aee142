"""``haven console``: the whole flow in a terminal, through the same core and outbox.

Each line is handled and then ``settle`` (due work and the outbox, given by the
composition root ``bot.app.console``) runs before the next line is read; with stdin
not a terminal there are no prompts and no colour.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

from adapters.console.render import field_prompt, form_header, render_message
from bot.core import Haven
from bot.model.i18n import t
from bot.model.inbound import Actor, FormIn, PressIn, ReportIn, normalize
from bot.model.messages import Audience, Button, Form, FormField, Message
from bot.model.ports import Meta, PostRef, Target
from bot.model.settings import ConsoleSettings

PLATFORM = "console"
Settle = Callable[[], Awaitable[None]]
Lookup = Callable[[str], Awaitable[dict[str, Any] | None]]

_AS = re.compile(r"^:as\s+(employee|supervisor|hr)\s+(\S+)\s*$")
_SHOW = re.compile(r"^:show\s+(\S+)\s*$")


@dataclass
class Shown:
    button: Button
    audience: Audience


@dataclass
class ConsoleSession:
    """Who is typing, the roles people were given, and every button shown so far."""

    out: TextIO
    locale: str
    user: str = "employee"
    roles: dict[str, str] = field(default_factory=dict)
    buttons: list[Shown] = field(default_factory=list)
    posts: int = 0

    def actor(self) -> Actor:
        return Actor(platform=PLATFORM, user_id=self.user, locale=self.locale)

    def show(self, message: Message, audience: Audience, header: str | None = None) -> None:
        numbers = []
        for button in message.buttons:
            self.buttons.append(Shown(button, audience))
            numbers.append(len(self.buttons))
        if header:
            self.out.write(f"--- {header} ---\n")
        for line in render_message(message, numbers=numbers):
            self.out.write(line + "\n")
        self.out.flush()


class ConsoleMessenger:
    """Posts are printed; every audience is this terminal."""

    def __init__(self, session: ConsoleSession) -> None:
        self.session = session

    async def post(self, target: Target, message: Message, *, meta: Meta, thread: PostRef | None = None) -> PostRef:
        self.session.posts += 1
        self.session.show(message, target.audience, _header(target, message.locale))
        return PostRef({"post": self.session.posts})

    async def update(self, ref: PostRef, message: Message, *, meta: Meta) -> None:
        header = f"{t(message.locale, 'console.updated')} #{ref.data.get('post')}"
        self.session.show(message, Audience.SUPERVISORS, header)

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


@dataclass
class Console:
    """The console adapter: the core, this terminal, and how to look an incident up."""

    haven: Haven
    session: ConsoleSession
    lookup: Lookup  # one incident's record, for ``:show INC-…`` (given by the composition root)


def _header(target: Target, locale: str) -> str:
    if target.audience == Audience.SUPERVISORS:
        return t(locale, "console.to_supervisors")
    if target.audience == Audience.ESCALATION:
        return t(locale, "console.to_escalation")
    if target.audience == Audience.HR:
        return t(locale, "console.to_hr")
    return t(locale, "console.to_user", user=target.user_id or "?")


async def run_console(haven: Haven, settings: ConsoleSettings, stdin: TextIO, stdout: TextIO, *,
                      settle: Settle, lookup: Lookup) -> int:
    """Read lines until EOF; after each, ``settle`` runs due work and delivers the outbox."""
    session = ConsoleSession(out=stdout, locale=settings.locale)
    haven.connect(PLATFORM, messenger=ConsoleMessenger(session), directory=ConsoleDirectory(session))
    console = Console(haven=haven, session=session, lookup=lookup)
    interactive = stdin.isatty()
    stdout.write(t(session.locale, "console.welcome") + "\n")
    while True:
        if interactive:
            stdout.write(f"{session.user}> ")
            stdout.flush()
        line = stdin.readline()
        if not line:
            return 0
        await handle_line(console, line, stdin, interactive)
        await settle()


async def handle_line(console: Console, line: str, stdin: TextIO, interactive: bool) -> None:
    text = normalize(line)
    if not text:
        return
    haven, session = console.haven, console.session
    if match := _AS.match(text):
        role, name = match.groups()
        session.user = name
        session.roles[name] = role
        role_name = t(session.locale, f"console.role_{role}")
        session.out.write(t(session.locale, "console.you_are", role=role_name, name=name) + "\n")
    elif text == "/abuse" or text.startswith("/abuse "):
        outcome = await haven.report(ReportIn(actor=session.actor(), text=text[len("/abuse"):]))
        session.show(outcome.wellbeing, Audience.USER, t(session.locale, "console.to_you"))
        if outcome.receipt:
            session.show(outcome.receipt, Audience.USER)
        if outcome.form:
            await _fill_form(console, outcome.form, stdin, interactive)
    elif match := _SHOW.match(text):
        await _show(console, match.group(1))
    elif text.isdigit():
        await _press(console, int(text), stdin, interactive)
    else:
        session.out.write(t(session.locale, "console.unknown") + "\n")


async def _press(console: Console, number: int, stdin: TextIO, interactive: bool) -> None:
    session = console.session
    if not 1 <= number <= len(session.buttons):
        session.out.write(t(session.locale, "console.no_button", number=number) + "\n")
        return
    shown = session.buttons[number - 1]
    result = await console.haven.press(PressIn(actor=session.actor(), action=shown.button.action,
                                               value=shown.button.value, audience=shown.audience))
    for reply in result.replies:
        session.show(reply.message, Audience.USER, t(session.locale, "console.to_you"))
    if result.form:
        await _fill_form(console, result.form, stdin, interactive)


async def _fill_form(console: Console, form: Form, stdin: TextIO, interactive: bool) -> None:
    """Ask each question on its own line; Enter skips an optional one."""
    session = console.session
    for line in form_header(form):
        session.out.write(line + "\n")
    values: dict[str, object] = {}
    errors: dict[str, str] = {}
    fields = list(form.fields)
    while True:
        for form_field in fields:
            for line in field_prompt(form_field, form.locale):
                session.out.write(line + "\n")
            if form_field.id in errors:
                session.out.write(f"  ! {errors[form_field.id]}\n")
            if interactive:
                session.out.write("> ")
                session.out.flush()
            raw = stdin.readline()
            if not raw:  # EOF while the form is open: nothing is sent, the console ends
                return
            answer = normalize(raw)
            values[form_field.id] = _answer(form_field, answer) if answer else form_field.initial
        if form.kind == "site_form":  # change_site: one question, then the answer
            told = await console.haven.submit_site(FormIn(actor=session.actor(), values=values,
                                                          metadata=form.private_metadata))
            session.show(told, Audience.USER, t(session.locale, "console.to_you"))
            return
        outcome = await console.haven.submit_form(FormIn(actor=session.actor(), values=values,
                                                         metadata=form.private_metadata))
        if not outcome.errors:
            if outcome.receipt:
                session.show(outcome.receipt, Audience.USER, t(session.locale, "console.to_you"))
            return
        errors = outcome.errors
        fields = [f for f in form.fields if f.id in errors]


def _answer(form_field: FormField, answer: str) -> object:
    if form_field.kind == "select" and answer.isdigit():
        index = int(answer) - 1
        if 0 <= index < len(form_field.choices):
            return form_field.choices[index].value
    if form_field.kind == "checkbox":
        return answer.lower() in ("y", "yes", "true", "1", "はい")
    return answer


async def _show(console: Console, ref: str) -> None:
    session = console.session
    data = await console.lookup(ref)
    if data is None:
        session.out.write(t(session.locale, "console.not_found", ref=ref) + "\n")
        return
    session.out.write(f"{data['id']}  {data['status']}  {data['severity']}  {data['category']}\n")
    for event in data["events"]:
        option = f" {event['option']}" if event.get("option") else ""
        session.out.write(f"  {event['at']}  {event['kind']}{option}  {event['actor']}\n")
