"""Haven's own strings in English and Japanese (``bot/locales/*.yaml``)."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml

LOCALES = ("en", "ja")


def normalize_locale(locale: str | None, default: str = "en") -> str:
    """``ja-JP`` → ``ja``; anything unknown → ``default``."""
    if not locale:
        return default
    head = locale.strip().lower().replace("_", "-").split("-")[0]
    return head if head in LOCALES else default


def _flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = str(value)
    return flat


@cache
def catalog(locale: str) -> dict[str, str]:
    """All strings of one locale, keyed ``section.name``: ``{locale}.yaml`` and every
    ``<part>.{locale}.yaml`` beside it (the HR desk keeps its strings in ``hr.{locale}.yaml``)."""
    folder = resources.files("bot.locales")
    names = sorted(f.name for f in folder.iterdir() if f.name.endswith(f".{locale}.yaml"))
    strings: dict[str, str] = {}
    for name in [f"{locale}.yaml", *names]:
        strings.update(_flatten(yaml.safe_load(folder.joinpath(name).read_text(encoding="utf-8"))))
    return strings


def t(locale: str, key: str, **values: object) -> str:
    """Translate ``key`` into ``locale`` and fill its ``{placeholders}``."""
    strings = catalog(normalize_locale(locale))
    template = strings.get(key) or catalog("en")[key]
    return template.format(**values) if values else template
