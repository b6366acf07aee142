"""The ``haven`` command line: every command and option, with its help text."""

from __future__ import annotations

import argparse
from importlib.metadata import PackageNotFoundError, version
from typing import NoReturn


class UsageError(Exception):
    """A bad command-line value: one line, exit code 2."""


class Refused(Exception):
    """A request the command cannot do (unknown incident, file exists): one line, exit 1."""


def haven_version() -> str:
    try:
        return version("haven-bot")
    except PackageNotFoundError:  # a checkout that was never installed
        return "unknown"


class _Parser(argparse.ArgumentParser):
    """Usage errors as one line (``haven incidents show: error: …``), exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see `{self.prog} --help`)\n")


def parser() -> argparse.ArgumentParser:
    top = _Parser(
        prog="haven", description="Haven: protect frontline employees from customer abuse.",
        epilog="Settings come from the environment (HAVEN_*, SLACK_*, MICROSOFT_*): see the README. "
               "HAVEN_DEBUG=1 shows the traceback behind an error line.")
    top.add_argument("--version", action="version", version=f"haven {haven_version()}")
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("serve", help="run the HTTP server (Slack, Teams, /healthz, /metrics)",
                   description="Migrate the database, then serve Slack and Teams until Ctrl-C. "
                               "Exit code 2 on a bad setting.")
    sub.add_parser("console", help="the whole flow in a terminal, no workspace needed",
                   description="Report, alert and decide in this terminal against the configured database.")
    _policy(sub)
    db = sub.add_parser("db", help="database tools").add_subparsers(dest="db_command", required=True,
                                                                     metavar="ACTION")
    db.add_parser("upgrade", help="apply the schema migrations (safe while replicas run)")
    purge = sub.add_parser("purge", help="delete closed incidents past retention (legal hold respected)")
    purge.add_argument("--dry-run", action="store_true", help="list what would be deleted, delete nothing")
    sub.add_parser("rotate-key", help="re-encrypt everything under the newest HAVEN_ENCRYPTION_KEY")
    _manifest(sub)
    _incidents(sub)
    _records(sub)
    hr_link = sub.add_parser("hr-link", help="print a one-time HR desk sign-in link (local trials; loopback only)")
    hr_link.add_argument("--user", required=True, help="the HR member's platform user id (in HAVEN_HR_USERS)")
    hr_link.add_argument("--platform", default="slack", choices=("slack", "teams", "console"),
                         help="the platform the user id belongs to (default: slack)")
    return top


def _policy(sub: argparse._SubParsersAction[_Parser]) -> None:
    policy = sub.add_parser("policy", help="check, show or start a policy file").add_subparsers(
        dest="policy_command", required=True, metavar="ACTION")
    check = policy.add_parser("check", help="validate a policy file (exit 1 with one line per problem)")
    check.add_argument("file", help="the YAML policy file to check")
    policy.add_parser("show", help="print the active policy (HAVEN_POLICY, or the bundled default)")
    init = policy.add_parser("init", help="write a copy of the bundled policy to start your own")
    init.add_argument("file", help="where to write it (refused if it exists)")


def _manifest(sub: argparse._SubParsersAction[_Parser]) -> None:
    manifest = sub.add_parser("manifest", help="the Slack app manifest or the Teams app package").add_subparsers(
        dest="platform", required=True, metavar="PLATFORM")
    slack = manifest.add_parser("slack", help="print the Slack app manifest (YAML)")
    teams = manifest.add_parser("teams", help="write the Teams app package (zip); needs links.privacy "
                                              "and links.terms in the policy")
    for each in (slack, teams):
        each.add_argument("--url", required=True, help="Haven's public base URL, e.g. https://haven.example.com")
        each.add_argument("--allow-http", action="store_true", help="accept an http:// URL (local trials only)")
    teams.add_argument("--app-id", help="the Azure bot's Microsoft App ID (a GUID; default MICROSOFT_APP_ID)")
    teams.add_argument("--out", help="the zip to write (default haven-teams.zip)")


def _incidents(sub: argparse._SubParsersAction[_Parser]) -> None:
    incidents = sub.add_parser("incidents", help="HR's records: list, show, export").add_subparsers(
        dest="incidents_command", required=True, metavar="ACTION")
    listing = incidents.add_parser("list", help="one line per incident (no report text)")
    listing.add_argument("--json", action="store_true", help="print JSON instead of lines")
    show = incidents.add_parser("show", help="one incident: summary, report text and trail")
    show.add_argument("id", help="the reference, e.g. INC-2026-000001 (any case)")
    show.add_argument("--json", action="store_true", help="print the whole record as JSON")
    export = incidents.add_parser("export", help="the full record, one row per incident: CSV (with a BOM, for "
                                                 "Excel) or JSON")
    export.add_argument("--format", choices=("csv", "json"), default="csv", help="csv (default) or json")
    export.add_argument("--out", help="write to this file instead of standard output")
    for name in ("--from", "--to"):
        export.add_argument(name, dest=name[2:] + "_date", metavar="YYYY-MM-DD",
                            help=f"reported on or {'after' if name == '--from' else 'before'} this local day")
    export.add_argument("--site", help="only this site's incidents")
    export.add_argument("--status", help="open, acknowledged or resolved")


def _records(sub: argparse._SubParsersAction[_Parser]) -> None:
    audit = sub.add_parser("audit", help="the audit trail").add_subparsers(
        dest="audit_command", required=True, metavar="ACTION")
    audit.add_parser("verify", help="check every incident's hash chain (exit 1 naming the first break)")
    register = sub.add_parser("register", help="the register of customers no longer served").add_subparsers(
        dest="register_command", required=True, metavar="ACTION")
    entries = register.add_parser("list", help="id, scope, since, review date, incidents (no reference)")
    entries.add_argument("--json", action="store_true", help="print JSON instead of lines")
    entries.add_argument("--reveal", action="store_true", help="also print each customer reference (audited)")
    lift = register.add_parser("lift", help="break-glass: lift an entry without a second approval (audited)")
    lift.add_argument("id", help="the entry, e.g. REG-000001")
    lift.add_argument("--reason", required=True, help="why (kept encrypted with the entry)")
