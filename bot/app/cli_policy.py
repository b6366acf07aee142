"""``haven policy check FILE | show | init FILE``."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from bot.app.cli_parser import Refused
from policy.loader import DEFAULT_POLICY_PATH, check


def policy_command(args: argparse.Namespace) -> int:
    if args.policy_command == "check":
        return check(args.file)  # exit 1 with one line per problem (not 2: nothing starts)
    if args.policy_command == "show":
        return show()
    return init(Path(args.file))


def show() -> int:
    """The active policy file as it is (HAVEN_POLICY, or the bundled default), after a
    header saying which one; a policy that does not load is one line naming HAVEN_POLICY."""
    from bot.app.config import load_settings
    from bot.app.runtime import policy_from

    settings = load_settings()
    policy = policy_from(settings)
    path = Path(settings.policy) if settings.policy else DEFAULT_POLICY_PATH
    source = "HAVEN_POLICY" if settings.policy else "the bundled default, as HAVEN_POLICY is not set"
    sys.stdout.write(f"# policy {policy.version} from {path} ({source})\n")
    sys.stdout.write(path.read_text(encoding="utf-8"))
    return 0


def init(target: Path) -> int:
    """Copy the bundled policy to ``target`` to start an organisation's own."""
    if target.exists():
        raise Refused(f"{target} exists: choose another file name (nothing was written)")
    if not target.parent.is_dir():
        raise Refused(f"the folder {target.parent} does not exist (nothing was written)")
    with open(target, "x", encoding="utf-8") as out:
        out.write(DEFAULT_POLICY_PATH.read_text(encoding="utf-8"))
    print(f"wrote {target}: edit it, check it with `haven policy check {target}`, "
          f"then set HAVEN_POLICY={os.path.abspath(target)}")
    return 0
