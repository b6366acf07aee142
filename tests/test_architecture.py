"""Dependencies point down: adapters → bot → policy, storage. Walks imports with ast."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PLATFORM_SDKS = ("slack_bolt", "slack_sdk", "microsoft_agents", "aiohttp")
RETIRED_SDKS = ("botbuilder", "botframework", "msrest")  # botbuilder-python: unsupported since 2025-12-31
TEAMS_SDK = "microsoft_agents"  # the Microsoft 365 Agents SDK, only in adapters/teams/
COMPOSITION_ROOTS = {"bot/app/server.py", "bot/app/cli.py"}


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def files(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def top(name: str) -> str:
    return name.split(".")[0]


@pytest.mark.parametrize("package", ["bot", "policy", "storage", "adapters"])
def test_package_has_modules(package: str) -> None:
    assert files(package), f"{package}/ has no modules"


def test_policy_imports_nothing_of_ours() -> None:
    for path in files("policy"):
        ours = {top(m) for m in imports(path)} & {"bot", "storage", "adapters"}
        assert not ours, f"{path.relative_to(ROOT)} imports {ours}"


def test_storage_imports_only_policy_values() -> None:
    for path in files("storage"):
        ours = {top(m) for m in imports(path)} & {"bot", "adapters"}
        assert not ours, f"{path.relative_to(ROOT)} imports {ours}"


def test_core_never_imports_a_platform_sdk_or_an_adapter() -> None:
    for path in files("bot"):
        rel = path.relative_to(ROOT).as_posix()
        if rel in COMPOSITION_ROOTS:
            continue
        bad = {m for m in imports(path) if top(m) in PLATFORM_SDKS or top(m) == "adapters"}
        assert not bad, f"{rel} imports {bad}"


def test_adapters_never_import_storage_or_each_other() -> None:
    for path in files("adapters"):
        rel = path.relative_to(ROOT)
        own = rel.parts[1] if len(rel.parts) > 2 else None
        for module in imports(path):
            assert top(module) != "storage", f"{rel} imports {module}"
            parts = module.split(".")
            if parts[0] == "adapters" and len(parts) > 1:
                assert parts[1] == own, f"{rel} imports another adapter: {module}"


def test_no_retired_bot_framework_sdk_anywhere_and_the_agents_sdk_only_in_the_teams_adapter() -> None:
    for package in ("bot", "policy", "storage", "adapters", "tests", "bench"):
        for path in files(package):
            rel = path.relative_to(ROOT).as_posix()
            for module in imports(path):
                assert top(module) not in RETIRED_SDKS, f"{rel} imports {module}"
                if top(module) == TEAMS_SDK:
                    assert rel.startswith(("adapters/teams/", "tests/teams/")), f"{rel} imports {module}"


def test_block_kit_and_adaptive_cards_stay_in_their_adapters() -> None:
    for package in ("bot", "policy", "storage", "adapters/console"):
        for path in files(package):
            text = path.read_text(encoding="utf-8")
            assert '"type": "section"' not in text and "AdaptiveCard" not in text, path


def test_the_architecture_check_catches_a_violation(tmp_path: Path) -> None:
    sample = tmp_path / "bad.py"
    sample.write_text("from slack_bolt.async_app import AsyncApp\nimport storage.db\n", encoding="utf-8")
    assert {"slack_bolt.async_app", "storage.db"} <= imports(sample)
