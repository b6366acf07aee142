"""The desk's language: ``?lang=ja`` / ``?lang=en``, else the browser's Accept-Language
(by its q-values), else ``HAVEN_LOCALE``. Strings are ``hr.*`` in
``bot/locales/hr.{en,ja}.yaml``."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import aiohttp_jinja2
from aiohttp import web

from bot.hr.desk import LOCALE
from bot.model.i18n import LOCALES, normalize_locale, t

KEPT = ("status", "severity", "category", "site", "from", "to", "page")  # what the language switch carries


def locale_of(request: web.Request, default: str) -> str:
    asked = request.query.get("lang")
    if asked in LOCALES:
        return asked
    for tag in preferred(request.headers.get("Accept-Language", "")):
        if normalize_locale(tag, default="") in LOCALES:
            return normalize_locale(tag)
    return normalize_locale(default)


def preferred(header: str) -> list[str]:
    """Accept-Language's tags, most wanted first (equal weights keep their order); a tag
    with ``q=0`` or an unreadable q-value is left out, and so is ``*``."""
    weighted: list[tuple[float, str]] = []
    for part in header.split(",")[:32]:
        tag, *params = (p.strip() for p in part.split(";"))
        weight = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        if tag and tag != "*" and 0 < weight <= 1:
            weighted.append((weight, tag))
    return [tag for _, tag in sorted(weighted, key=lambda pair: -pair[0])]


def render(template: str, request: web.Request, context: dict[str, Any], *, status: int = 200,
           here: str | None = None) -> web.Response:
    """A page in the request's language: ``_("hr.key")``, ``locale`` and ``lang_urls`` (this
    page, with its filters, in each language; ``here`` for a page answering a POST) in every template."""
    return aiohttp_jinja2.render_template(template, request, {
        **context, **translator(request), "lang_urls": lang_urls(request, here)}, status=status)


def lang_urls(request: web.Request, here: str | None = None) -> dict[str, str]:
    kept = [] if here else [(k, request.query[k]) for k in KEPT if request.query.get(k)]
    return {locale: f"{here or request.path}?{urlencode([*kept, ('lang', locale)])}" for locale in LOCALES}


def translator(request: web.Request) -> dict[str, Any]:
    """Template context: ``_("hr.key")`` in the request's language, and that language."""
    locale = request.get(LOCALE, "en")

    def translate(key: str, **values: object) -> str:
        return t(locale, key, **values)

    return {"_": translate, "locale": locale}
