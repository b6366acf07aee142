"""The ``haven`` command (spec section 4). A composition root: it may wire adapters in."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence

from bot.app.config import ConfigError, Settings, load_settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="haven",
                                     description="Haven: protect frontline employees from customer abuse.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="run the HTTP server (Slack, Teams, /healthz, /metrics)")
    sub.add_parser("console", help="the whole flow in a terminal, no workspace needed")
    policy = sub.add_parser("policy", help="policy tools").add_subparsers(dest="policy_command", required=True)
    check = policy.add_parser("check", help="validate a policy file")
    check.add_argument("file")
    db = sub.add_parser("db", help="database tools").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="apply migrations")
    purge = sub.add_parser("purge", help="delete closed incidents past retention (legal hold respected)")
    purge.add_argument("--dry-run", action="store_true")
    sub.add_parser("rotate-key", help="re-encrypt everything under the newest HAVEN_ENCRYPTION_KEY")
    manifest = sub.add_parser("manifest", help="app manifests").add_subparsers(dest="platform", required=True)
    slack = manifest.add_parser("slack")
    slack.add_argument("--url", required=True)
    teams = manifest.add_parser("teams")
    teams.add_argument("--url", required=True)
    teams.add_argument("--app-id")
    teams.add_argument("--out")
    incidents = sub.add_parser("incidents", help="HR records").add_subparsers(dest="incidents_command", required=True)
    listing = incidents.add_parser("list")
    listing.add_argument("--json", action="store_true")
    show = incidents.add_parser("show")
    show.add_argument("id")
    show.add_argument("--json", action="store_true")
    export = incidents.add_parser("export")
    export.add_argument("--format", choices=("csv", "json"), default="csv")
    export.add_argument("--out")
    hr_link = sub.add_parser("hr-link", help="print a one-time HR desk sign-in link (local trials; loopback only)")
    hr_link.add_argument("--user", required=True, help="the HR member's platform user id (in HAVEN_HR_USERS)")
    hr_link.add_argument("--platform", default="slack", choices=("slack", "teams", "console"),
                         help="the platform the user id belongs to (default: slack)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=os.environ.get("HAVEN_LOG_LEVEL", "WARNING").upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from bot.app.privacy import install_log_guard

    install_log_guard()  # no report text in any log line, from any library
    if args.command == "policy":
        from policy.loader import check

        return check(args.file)
    try:
        settings = load_settings()
        _check_key_format(settings)
    except ConfigError as exc:
        print(f"haven: {exc}", file=sys.stderr)
        return 2
    try:
        return _dispatch(args, settings)
    except ConfigError as exc:
        print(f"haven: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _check_key_format(settings: Settings) -> None:
    from bot.app.privacy import KeyMismatch, check_key_format

    try:
        check_key_format(settings.encryption_key)
    except KeyMismatch as exc:
        raise ConfigError(str(exc)) from None


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "serve":
        from bot.app.server import serve

        logging.getLogger("haven").setLevel(os.environ.get("HAVEN_LOG_LEVEL", "INFO").upper())
        return serve(settings)
    if args.command == "console":
        from bot.app.console import console

        return asyncio.run(console(settings, sys.stdin, sys.stdout))
    if args.command == "db":
        return asyncio.run(_upgrade(settings))
    if args.command == "manifest":
        return _manifest(args, settings)
    if args.command == "hr-link":
        from bot.app.desk_wiring import hr_link_command

        return asyncio.run(hr_link_command(settings, user=args.user, platform=args.platform, out=sys.stdout))
    from bot.app import records

    if args.command == "purge":
        return asyncio.run(records.purge_command(settings, dry_run=args.dry_run, out=sys.stdout))
    if args.command == "rotate-key":
        return asyncio.run(records.rotate_command(settings, out=sys.stdout))
    if args.command == "incidents":
        return asyncio.run(records.incidents_command(settings, args, out=sys.stdout))
    raise AssertionError(args.command)


async def _upgrade(settings: Settings) -> int:
    from bot.app.runtime import make_database
    from storage.migrate import upgrade

    db = make_database(settings)
    try:
        await upgrade(db)
    finally:
        await db.dispose()
    print("ok")
    return 0


def _manifest(args: argparse.Namespace, settings: Settings) -> int:
    if args.platform == "slack":
        from adapters.slack.manifest import slack_manifest

        sys.stdout.write(slack_manifest(args.url, locale=settings.locale))
        return 0
    from adapters.teams.manifest import write_teams_package

    app_id = args.app_id or settings.microsoft_app_id
    if not app_id:
        print("haven: --app-id or MICROSOFT_APP_ID is required", file=sys.stderr)
        return 2
    out = write_teams_package(url=args.url, app_id=app_id, out=args.out)
    print(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
