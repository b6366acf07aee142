"""``haven console``: the whole flow in a terminal, through the same core and outbox.

Each line is handled and then ``settle`` (due work and the outbox, given by the
composition root ``bot.app.console``) runs before the next line is read; with stdin
not a terminal there are no prompts and no colour. ``:help`` lists the commands;
``:quit``, Ctrl-D (end of input) and Ctrl-C end the console cleanly.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import Any, TextIO

from adapters.console.lines import Lines
from adapters.console.render import field_prompt, form_header, trail
from adapters.console.session import (PLATFORM, ConsoleDirectory, ConsoleMessenger, ConsoleSession, display,
                                      user_id)
from bot.core import Haven
from bot.model.i18n import t
from bot.model.inbound import Actor, FormIn, PressIn, ReportIn, normalize
from bot.model.messages import SITE_FORM, Audience, Form, FormField
from bot.model.settings import ConsoleSettings

Settle = Callable[[], Awaitable[None]]
Lookup = Callable[[Actor, str], Awaitable[dict[str, Any] | None]]
"""One incident's trail as the actor may see it, described in a locale; None: not theirs to see, or none."""

_AS = re.compile(r"^:as\s+(employee|supervisor|hr)\s+(\S(?:.*\S)?)\s*$")
_SHOW = re.compile(r"^:show\s+(\S+)\s*$")
_CHECK = re.compile(r"^:check(?:\s+(.*))?$", re.DOTALL)
QUIT = (":quit", ":q", ":exit")
INTERRUPTED = 130  # the shell's code for "ended by Ctrl-C"
EOF = object()  # end of input inside a form


class Console:
    """One console: the core, who is typing, where lines come from, and what the
    composition root gives it (``settle``: run due work and deliver; ``lookup``)."""

    def __init__(self, haven: Haven, session: ConsoleSession, lines: Lines, interactive: bool, *,
                 settle: Settle, lookup: Lookup) -> None:
        self.haven = haven
        self.session = session
        self.settle = settle
        self.lookup = lookup
        self.lines = lines
        self.interactive = interactive

    async def read(self, prompt: str) -> str:
        if self.interactive:
            self.session.out.write(prompt)
            self.session.out.flush()
        return await self.lines.next()

    async def run(self) -> None:
        while True:
            line = await self.read(f"{display(self.session.user)}> ")
            if not line:
                if self.interactive:
                    self.session.out.write("\n")
                return
            if not await self.handle(line):
                return
            await self.settle()

    async def handle(self, line: str) -> bool:
        """Handle one line; False ends the console."""
        text = normalize(line)
        session = self.session
        if not text:
            return True
        if text in QUIT:
            return False
        if text == ":help":
            session.say("console.help")
        elif match := _AS.match(text):
            role, name = match.groups()
            session.user = user_id(name)
            session.roles[session.user] = role
            session.say("console.you_are", role=t(session.locale, f"console.role_{role}"), name=name)
        elif text == "/abuse" or text.startswith("/abuse "):
            await self.report(text[len("/abuse"):])
        elif match := _CHECK.match(text):
            answer = await self.haven.check_register(session.actor(), match.group(1) or "")
            session.show(answer, Audience.USER, t(session.locale, "console.to_you"))
        elif match := _SHOW.match(text):
            await self.show(match.group(1))
        elif text.isdigit():
            await self.press(int(text))
        else:
            session.say("console.unknown")
        return True

    async def report(self, words: str) -> None:
        session = self.session
        outcome = await self.haven.report(ReportIn(actor=session.actor(), text=words))
        session.show(outcome.wellbeing, Audience.USER, t(session.locale, "console.to_you"))
        if outcome.receipt:
            session.show(outcome.receipt, Audience.USER)
        if outcome.form:
            await self.fill(outcome.form)

    async def press(self, number: int) -> None:
        session = self.session
        shown = session.buttons.get(number)
        if shown is None:
            session.say("console.no_button", number=number)
            return
        if not shown.current:
            session.say("console.stale_button", number=number, card=shown.card)
            return
        result = await self.haven.press(PressIn(actor=session.actor(), action=shown.button.action,
                                                        value=shown.button.value, audience=shown.audience))
        for reply in result.replies:
            session.show(reply.message, Audience.USER, t(session.locale, "console.to_you"))
        if result.form:
            await self.fill(result.form)

    async def fill(self, form: Form) -> None:
        """Ask each question on its own line; Enter skips an optional one."""
        session = self.session
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
                answered = await self.ask(form_field, form.locale)
                if answered is EOF:  # end of input while the form is open: nothing is sent, the console ends
                    return
                values[form_field.id] = answered
            if form.name == SITE_FORM:  # change_site: one question, then the answer
                told = await self.haven.submit_site(FormIn(actor=session.actor(), values=values,
                                                           metadata=form.private_metadata))
                session.show(told, Audience.USER, t(session.locale, "console.to_you"))
                return
            outcome = await self.haven.submit_form(FormIn(actor=session.actor(), values=values, form=form.name,
                                                                  metadata=form.private_metadata))
            if not outcome.errors:
                if outcome.receipt:
                    session.show(outcome.receipt, Audience.USER, t(session.locale, "console.to_you"))
                return
            errors = outcome.errors
            fields = [f for f in form.fields if f.id in errors]

    async def ask(self, form_field: FormField, locale: str) -> object:
        """One answer (Enter: the field's initial value); a choice or a yes/no that is not
        one is asked again at once. :data:`EOF` at end of input."""
        while True:
            raw = await self.read("> ")
            if not raw:
                return EOF
            answer = normalize(raw)
            if not answer:
                return form_field.initial
            value, problem = _answer(form_field, answer)
            if problem is None:
                return value
            self.session.out.write("  ! " + t(locale, problem, count=len(form_field.choices)) + "\n")

    async def show(self, ref: str) -> None:
        data = await self.lookup(self.session.actor(), ref.upper())
        if data is None:  # the same words whether it exists or not
            self.session.say("console.not_shown", ref=ref.upper())
            return
        for line in trail(data, names=display):
            self.session.out.write(line + "\n")


YES = ("y", "yes", "true", "1", "はい")
NO = ("n", "no", "false", "0", "いいえ")


def _answer(form_field: FormField, answer: str) -> tuple[object, str | None]:
    """The value typed, or what is wrong with it (a locale key)."""
    if form_field.kind == "select":
        index = int(answer) - 1 if answer.isdigit() else -1
        if 0 <= index < len(form_field.choices):
            return form_field.choices[index].value, None
        return None, "console.bad_choice"
    if form_field.kind == "checkbox":
        word = answer.lower()
        if word in YES or word in NO:
            return word in YES, None
        return None, "console.bad_yes_no"
    return answer, None


async def run_console(haven: Haven, settings: ConsoleSettings, stdin: TextIO, stdout: TextIO, *,
                      settle: Settle, lookup: Lookup) -> int:
    """Run until ``:quit`` or end of input (0), or Ctrl-C (130, without a traceback)."""
    session = ConsoleSession(out=stdout, locale=settings.locale)
    haven.connect(PLATFORM, messenger=ConsoleMessenger(session), directory=ConsoleDirectory(session))
    console = Console(haven, session, Lines(stdin), stdin.isatty(), settle=settle, lookup=lookup)
    session.say("console.welcome")
    try:
        await console.run()
    except asyncio.CancelledError:  # Ctrl-C: asyncio cancels the console; end it calmly
        task = asyncio.current_task()
        if task is not None:
            task.uncancel()
        stdout.write("\n" + t(session.locale, "console.interrupted") + "\n")
        stdout.flush()
        return INTERRUPTED
    stdout.flush()
    return 0
