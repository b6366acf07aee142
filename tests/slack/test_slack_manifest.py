"""The Slack app manifest: one request URL, the commands, shortcut, event and least scopes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from adapters.slack.manifest import EXAMPLE_URL, manifest, slack_manifest
from bot.model.i18n import t

ROOT = Path(__file__).resolve().parents[2]


def test_every_request_url_is_base_plus_slack_events() -> None:
    data = yaml.safe_load(slack_manifest("https://haven.corp.example/"))
    url = "https://haven.corp.example/slack/events"
    assert data["features"]["slash_commands"][0]["url"] == url
    assert data["settings"]["event_subscriptions"]["request_url"] == url
    assert data["settings"]["interactivity"] == {"is_enabled": True, "request_url": url}


def test_the_manifest_declares_what_haven_handles_and_nothing_more() -> None:
    data = yaml.safe_load(slack_manifest(EXAMPLE_URL))
    assert [c["command"] for c in data["features"]["slash_commands"]] == ["/abuse", "/haven"]
    [shortcut] = data["features"]["shortcuts"]
    assert (shortcut["type"], shortcut["callback_id"]) == ("message", "report_message")
    assert data["settings"]["event_subscriptions"]["bot_events"] == ["app_home_opened"]
    assert data["features"]["app_home"]["home_tab_enabled"] is True
    assert data["features"]["app_home"]["messages_tab_enabled"] is True
    assert sorted(data["oauth_config"]["scopes"]["bot"]) == ["chat:write", "commands", "groups:read", "users:read"]


def test_the_checked_in_manifest_is_the_generated_one() -> None:
    assert (ROOT / "manifest" / "slack.yaml").read_text(encoding="utf-8") == slack_manifest(EXAMPLE_URL)


def test_haven_manifest_slack_prints_it() -> None:
    result = subprocess.run([sys.executable, "-m", "bot.app.cli", "manifest", "slack", "--url", "https://h.example"],
                            capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 0, result.stderr
    assert yaml.safe_load(result.stdout)["settings"]["interactivity"]["request_url"] == "https://h.example/slack/events"


def test_the_manifest_texts_come_from_the_locales() -> None:
    english, japanese = manifest(EXAMPLE_URL), manifest(EXAMPLE_URL, locale="ja")
    assert english["display_information"]["description"] == t("en", "manifest.slack_description")
    assert japanese["features"]["shortcuts"][0]["name"] == t("ja", "manifest.shortcut_name")
    assert japanese["features"]["slash_commands"][0]["description"] == t("ja", "manifest.abuse_description")
    assert len(japanese["features"]["shortcuts"][0]["name"]) <= 24
    assert len(english["display_information"]["description"]) <= 140
