"""The incident list's filters and page, read from the query string, checked the same way
for the list and the export: anything odd is a 400 that says, in the viewer's language,
which field is wrong and why. Also the query strings the list's links carry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlencode

from aiohttp import web

from bot.hr.desk import LOCALE, Desk
from bot.model.clock import FIRST_DAY, LAST_DAY, DayOutOfRange, parse_day
from bot.model.i18n import t
from storage.desk_queries import IncidentFilter

STATUSES = ("open", "acknowledged", "resolved")
FIELDS = ("status", "severity", "category", "site", "from", "to")
EXPORT_FIELDS = ("status", "site", "from", "to")  # the export's filters (spec 8.4)
LABELS = {"status": "hr.field.status", "severity": "hr.field.severity", "category": "hr.field.category",
          "site": "hr.field.site", "from": "hr.list.from", "to": "hr.list.to"}
MAX_PAGE = 100_000


@dataclass(frozen=True)
class Chosen:
    """The filters as typed (``chosen``, empty when unset) and the days they name."""

    values: dict[str, str]
    first: date | None
    last: date | None

    def query(self, fields: tuple[str, ...] = FIELDS, **extra: str | int) -> str:
        """``status=open&from=…`` for the set filters among ``fields``, then ``extra``, URL-encoded."""
        pairs: list[tuple[str, str | int]] = [(k, self.values[k]) for k in fields if self.values[k]]
        return urlencode(pairs + list(extra.items()))


def _refuse(request: web.Request, key: str, **values: object) -> web.HTTPBadRequest:
    return web.HTTPBadRequest(text=t(request[LOCALE], key, **values))


def _field(request: web.Request, name: str) -> str:
    return t(request[LOCALE], LABELS[name])


def _day(request: web.Request, name: str, text: str) -> date | None:
    if not text:
        return None
    try:
        return parse_day(text)
    except DayOutOfRange:
        raise _refuse(request, "hr.error.day_range", field=_field(request, name), value=text,
                      first=FIRST_DAY.isoformat(), last=LAST_DAY.isoformat()) from None
    except ValueError:
        raise _refuse(request, "hr.error.day", field=_field(request, name)) from None


def chosen(request: web.Request, desk: Desk, fields: tuple[str, ...] = FIELDS) -> Chosen:
    """Check ``fields`` of the query string; a 400 names the first bad one."""
    policy = desk.policy
    allowed = {"status": set(STATUSES), "severity": {s.id for s in policy.severities},
               "category": {c.id for c in policy.categories}, "site": {s.id for s in policy.sites}}
    values = {k: request.query.get(k, "") if k in fields else "" for k in FIELDS}
    for name, known in allowed.items():
        if values[name] and values[name] not in known:
            raise _refuse(request, "hr.error.choice", field=_field(request, name))
    first, last = _day(request, "from", values["from"]), _day(request, "to", values["to"])
    if first and last and first > last:
        raise _refuse(request, "hr.error.day_order", start=_field(request, "from"), first=first.isoformat(),
                      end=_field(request, "to"), last=last.isoformat())
    return Chosen(values=values, first=first, last=last)


def incident_filter(picked: Chosen, desk: Desk) -> IncidentFilter:
    """The storage filter: local days → naive UTC at local midnight (``to`` is inclusive)."""
    v = picked.values
    return IncidentFilter(
        status=v["status"] or None, severity=v["severity"] or None, category=v["category"] or None,
        site=v["site"] or None,
        reported_from=_midnight(picked.first, desk) if picked.first else None,
        reported_to=_midnight(picked.last + timedelta(days=1), desk) if picked.last else None,
    )


def _midnight(day: date, desk: Desk) -> datetime:
    return datetime.combine(day, time(0), tzinfo=desk.policy.zone).astimezone(UTC).replace(tzinfo=None)


def page_asked(request: web.Request) -> int:
    """``?page=`` as a whole number from 1 (a page past the last one shows the last one)."""
    text = request.query.get("page", "1")
    digits = text.lstrip("0")
    if not (text.isascii() and text.isdigit() and digits):
        raise _refuse(request, "hr.error.page")
    return min(int(digits[:7]), MAX_PAGE)  # 7 digits already exceed MAX_PAGE: no huge int() from a long string
