"""The ``haven`` command (spec section 4). A composition root: it may wire adapters in.

Every failure is one line on stderr: a bad setting exits 2 (``haven serve`` and
``haven console`` included), a refused request 1; ``HAVEN_DEBUG=1`` adds the traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import traceback
from collections.abc import Sequence

from bot.app.cli_parser import Refused, UsageError, parser
from bot.app.config import ConfigError, Settings, load_settings


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(level=os.environ.get("HAVEN_LOG_LEVEL", "WARNING").upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from bot.app.privacy import install_log_guard

    install_log_guard()  # no report text in any log line, from any library
    try:
        return _run(args)
    except (ConfigError, UsageError) as exc:
        return _fail(exc, 2)
    except Refused as exc:
        return _fail(exc, 1)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # the last resort: one line, the traceback on demand
        return _fail(exc, 1, f"unexpected {type(exc).__name__} (set HAVEN_DEBUG=1 to see the traceback)")


def _fail(exc: BaseException, code: int, line: str | None = None) -> int:
    if os.environ.get("HAVEN_DEBUG", "").strip() not in ("", "0"):
        chained: BaseException | None = exc
        while chained is not None:  # show what `raise ... from None` hid
            chained.__suppress_context__ = False
            chained = chained.__cause__ or chained.__context__
        traceback.print_exception(exc, file=sys.stderr)
    print(f"haven: {line or exc}", file=sys.stderr)
    return code


def _run(args: argparse.Namespace) -> int:
    if args.command == "policy":
        from bot.app.cli_policy import policy_command

        return policy_command(args)
    settings = load_settings()
    _check_key_format(settings)
    return _dispatch(args, settings)


def _check_key_format(settings: Settings) -> None:
    from bot.app.privacy import KeyMismatch, check_key_format

    try:
        check_key_format(settings.encryption_key)
    except KeyMismatch as exc:
        raise ConfigError(str(exc)) from None


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "serve":
        from bot.app.preflight import preflight
        from bot.app.server import serve

        preflight(settings, listen=True)
        logging.getLogger("haven").setLevel(os.environ.get("HAVEN_LOG_LEVEL", "INFO").upper())
        return serve(settings)
    if args.command == "console":
        from bot.app.console import console
        from bot.app.preflight import preflight

        preflight(settings, listen=False)
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
    if args.command == "audit":
        return asyncio.run(records.audit_command(settings, out=sys.stdout, err=sys.stderr))
    if args.command == "register":
        from bot.app import register_cli

        return asyncio.run(register_cli.register_command(settings, args, out=sys.stdout, err=sys.stderr))
    raise AssertionError(args.command)


def _manifest(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app.cli_manifest import app_id_of, base_url, out_path, teams_links

    url = base_url(args.url, allow_http=args.allow_http)
    if args.platform == "slack":
        from adapters.slack.manifest import slack_manifest

        sys.stdout.write(slack_manifest(url, locale=settings.locale))
        return 0
    from adapters.teams.manifest import write_teams_package

    app_id = app_id_of(args.app_id, settings)
    privacy, terms = teams_links(settings)
    print(write_teams_package(url=url, app_id=app_id, privacy=privacy, terms=terms, out=out_path(args.out)))
    return 0


async def _upgrade(settings: Settings) -> int:
    from bot.app.runtime import open_database

    db = await open_database(settings)  # migrates, then checks the key
    await db.dispose()
    print("ok")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
