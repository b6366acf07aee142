"""The ``haven`` command for an operator: help for everything, --version, one-line
errors, ``incidents show`` in any case, ``purge`` wording, checked manifest input,
``policy show`` and ``policy init``."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from bot.app.cli import main
from bot.app.cli_parser import parser
from tests.cli.test_console import run_console
from tests.support.serve import REPO, haven_env

APP_ID = "11111111-2222-3333-4444-555555555555"
LINKS = "links: {privacy: 'https://intra.example.org/privacy', terms: 'https://intra.example.org/terms'}\n"


def haven(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    full = haven_env(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'console.db'}", **env)
    return subprocess.run([sys.executable, "-m", "bot.app.cli", *args], env=full, capture_output=True,
                          text=True, timeout=120, cwd=tmp_path)


def one_line(result: subprocess.CompletedProcess[str], code: int, *phrases: str) -> str:
    lines = result.stderr.strip().splitlines()
    assert result.returncode == code, result.stderr
    assert len(lines) == 1 and lines[0].startswith("haven: ") and "Traceback" not in result.stderr, result.stderr
    for phrase in phrases:
        assert phrase in lines[0], lines[0]
    return lines[0]


def _every_parser(top: argparse.ArgumentParser, path: str = "haven") -> list[tuple[str, argparse.ArgumentParser]]:
    found = [(path, top)]
    for action in top._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help for choice in action._choices_actions}
            for name, child in action.choices.items():
                assert helps.get(name), f"{path} {name} has no help text"
                found += _every_parser(child, f"{path} {name}")
    return found


def test_every_command_and_option_has_a_help_text() -> None:
    parsers = _every_parser(parser())
    assert len(parsers) >= 15
    for path, each in parsers:
        for action in each._actions:
            if isinstance(action, argparse._SubParsersAction):
                continue
            assert action.help and action.help != argparse.SUPPRESS, f"{path} {action.dest} has no help text"


def test_help_and_version_as_the_user_runs_them(tmp_path: Path) -> None:
    shown = haven(tmp_path, "incidents", "show", "--help")
    assert shown.returncode == 0 and "any case" in shown.stdout and "--json" in shown.stdout
    version = haven(tmp_path, "--version")
    assert version.returncode == 0 and version.stdout.startswith("haven ") and version.stdout.strip() != "haven"


def test_show_takes_any_case_prints_a_summary_and_json_on_request(tmp_path: Path) -> None:
    run_console(tmp_path, ["/abuse he said he would find where I live", ":as supervisor sato", "6"], "en")
    summary = haven(tmp_path, "incidents", "show", "inc-2026-000001")
    assert summary.returncode == 0, summary.stderr
    assert summary.stdout.startswith("INC-2026-000001  acknowledged")
    assert "he said he would find where I live" in summary.stdout
    assert "acknowledged (acknowledge)  by sato" in summary.stdout
    with pytest.raises(json.JSONDecodeError):
        json.loads(summary.stdout)
    data = json.loads(haven(tmp_path, "incidents", "show", "Inc-2026-000001", "--json").stdout)
    assert data["id"] == "INC-2026-000001"
    one_line(haven(tmp_path, "incidents", "show", "inc-2099-000009"), 1, "no incident INC-2099-000009")


def test_export_to_a_missing_folder_is_one_line(tmp_path: Path) -> None:
    one_line(haven(tmp_path, "incidents", "export", "--out", str(tmp_path / "nowhere" / "x.csv")), 2,
             "--out", "does not exist")
    assert not (tmp_path / "console.db").exists(), "checked before the database is touched"


def test_purge_with_nothing_to_purge_says_so(tmp_path: Path) -> None:
    result = haven(tmp_path, "purge", "--dry-run")
    assert result.returncode == 0 and result.stdout.strip() == (
        "nothing to purge: no closed incident is past its retention period")


@pytest.mark.parametrize(("url", "phrase"), [
    ("haven.example.com", "must start with https://"),
    ("http://haven.example.com", "--allow-http"),
    ("https://", "not a base URL"),
    ("https://haven.example.com/?x=1", "not a base URL"),
])
def test_manifest_refuses_a_url_that_is_not_https(url: str, phrase: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["manifest", "slack", "--url", url]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("haven: --url: ") and phrase in err[0]


def test_manifest_slack_takes_http_only_when_allowed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["manifest", "slack", "--url", "http://127.0.0.1:3000/", "--allow-http"]) == 0
    assert "request_url: http://127.0.0.1:3000/slack/events" in capsys.readouterr().out


def test_manifest_teams_refuses_an_app_id_that_is_not_a_guid(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["manifest", "teams", "--url", "https://haven.example.com", "--app-id", "not-a-guid"]) == 2
    assert "--app-id: 'not-a-guid' is not a GUID" in capsys.readouterr().err
    assert not (tmp_path / "haven-teams.zip").exists()


def test_manifest_teams_refuses_without_the_policy_links_naming_the_keys(tmp_path: Path) -> None:
    result = haven(tmp_path, "manifest", "teams", "--url", "https://haven.example.com", "--app-id", APP_ID)
    one_line(result, 2, "HAVEN_POLICY", "links.privacy and links.terms")
    assert not (tmp_path / "haven-teams.zip").exists()


def test_manifest_teams_names_the_policy_links_not_pages_haven_serves(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text((REPO / "policy" / "default.yaml").read_text(encoding="utf-8") + LINKS, encoding="utf-8")
    result = haven(tmp_path, "manifest", "teams", "--url", "https://haven.example.com/", "--app-id", APP_ID,
                   HAVEN_POLICY=str(policy))
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(tmp_path / "haven-teams.zip") as archive:
        developer = json.loads(archive.read("manifest.json"))["developer"]
    assert developer["privacyUrl"] == "https://intra.example.org/privacy"
    assert developer["termsOfUseUrl"] == "https://intra.example.org/terms"
    assert not any(v.startswith("https://haven.example.com/") for v in developer.values())


def test_policy_links_must_be_https(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text((REPO / "policy" / "default.yaml").read_text(encoding="utf-8")
                      + LINKS.replace("https://intra.example.org/terms", "http://intra.example.org/terms"),
                      encoding="utf-8")
    result = haven(tmp_path, "policy", "check", str(policy))
    assert result.returncode == 1 and "links.terms" in result.stderr and "https://" in result.stderr


def test_policy_init_then_show(tmp_path: Path) -> None:
    target = tmp_path / "ours.yaml"
    made = haven(tmp_path, "policy", "init", str(target))
    assert made.returncode == 0 and f"HAVEN_POLICY={target}" in made.stdout
    assert target.read_text(encoding="utf-8") == (REPO / "policy" / "default.yaml").read_text(encoding="utf-8")
    one_line(haven(tmp_path, "policy", "init", str(target)), 1, "exists")
    shown = haven(tmp_path, "policy", "show", HAVEN_POLICY=str(target))
    assert shown.returncode == 0
    assert shown.stdout.startswith(f"# policy 2025-04-01 from {target} (HAVEN_POLICY)")
    assert "severities:" in shown.stdout
    bundled = haven(tmp_path, "policy", "show")
    header = bundled.stdout.splitlines()[0]
    assert "(the bundled default" in header
    assert header.count("(") == 1 and header.endswith(")"), f"no nested parentheses: {header}"
    one_line(haven(tmp_path, "policy", "show", HAVEN_POLICY=str(tmp_path / "none.yaml")), 2, "HAVEN_POLICY")


def test_a_usage_error_is_one_line(tmp_path: Path) -> None:
    result = haven(tmp_path, "incidents", "show")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "haven incidents show: the following arguments are required: id (see `haven incidents show --help`)"]


def test_an_empty_register_says_so_and_json_is_an_empty_list(tmp_path: Path) -> None:
    listed = haven(tmp_path, "register", "list")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout == "the register is empty\n"
    as_json = haven(tmp_path, "register", "list", "--json")
    assert as_json.returncode == 0 and json.loads(as_json.stdout) == []


def test_an_approval_says_what_was_done_not_that_it_needs_approval(tmp_path: Path) -> None:
    lines = ["/abuse he threatened me on the phone", ":as supervisor sato", "8", ":as supervisor kato", "14"]
    result = run_console(tmp_path, lines, "en")
    assert result.returncode == 0, result.stderr
    after = result.stdout[result.stdout.index("You are supervisor kato."):]
    assert "@kato approved for INC-2026-000001: discontinued service to the customer." in after
    assert "@kato approved: discontinued service to the customer (2026-12-01 11:00 JST)" in after
    assert "approved: Discontinue service (needs approval)" not in after
    assert "approved for INC-2026-000001: Discontinue service" not in after


def test_an_approval_in_japanese(tmp_path: Path) -> None:
    lines = ["/abuse he threatened me on the phone", ":as supervisor sato", "8", ":as supervisor kato", "14"]
    out = run_console(tmp_path, lines, "ja").stdout
    after = out[out.index("あなたは上長の kato です。"):]
    assert "INC-2026-000001：@kato が承認し、顧客への対応を打ち切りました。" in after
    assert "@kato が承認し、顧客への対応を打ち切りました（2026-12-01 11:00 JST）" in after
    assert "承認が必要）を承認" not in after


def test_the_legal_hold_fact_does_not_repeat_its_label(tmp_path: Path) -> None:
    lines = ["/abuse he threatened me on the phone", ":as supervisor sato", "9"]  # consult an attorney: a hold
    out = run_console(tmp_path, lines, "en").stdout
    assert "  Legal hold: On (kept past the retention period)" in out
    assert "On legal hold" not in out
    (tmp_path / "ja").mkdir()
    ja = run_console(tmp_path / "ja", lines, "ja").stdout
    assert "リーガルホールド：適用中（保存期間を過ぎても削除されません）" in ja
