"""The desk's language: ``?lang=ja`` / ``?lang=en``, else the browser's Accept-Language,
else ``HAVEN_LOCALE``. Strings are ``hr.*`` in ``bot/locales/hr.{en,ja}.yaml``."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web

from bot.hr.desk import LOCALE
from bot.model.i18n import LOCALES, normalize_locale, t


def locale_of(request: web.Request, default: str) -> str:
    asked = request.query.get("lang")
    if asked in LOCALES:
        return asked
    for part in request.headers.get("Accept-Language", "").split(","):
        tag = part.split(";")[0].strip()
        if tag and normalize_locale(tag, default="") in LOCALES:
            return normalize_locale(tag)
    return normalize_locale(default)


def render(template: str, request: web.Request, context: dict[str, Any], *, status: int = 200) -> web.Response:
    """A page in the request's language: ``_("hr.key")`` and ``locale`` in every template."""
    return aiohttp_jinja2.render_template(template, request, {**context, **translator(request)}, status=status)


def translator(request: web.Request) -> dict[str, Any]:
    """Template context: ``_("hr.key")`` in the request's language, and that language."""
    locale = request.get(LOCALE, "en")

    def translate(key: str, **values: object) -> str:
        return t(locale, key, **values)

    return {"_": translate, "locale": locale}
