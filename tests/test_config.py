"""Configuration: one clear line for a bad value; lists split on commas."""

from __future__ import annotations

import pytest

from bot.app.config import ConfigError, check_safety, load_settings


def test_defaults_follow_the_spec() -> None:
    settings = load_settings({})
    assert settings.database_url == "sqlite+aiosqlite:///haven.db"
    assert (settings.host, settings.port, settings.locale, settings.tick_seconds) == ("127.0.0.1", 3000, "en", 1.0)
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.microsoft_app_type == "SingleTenant"


def test_bad_port_is_one_line_naming_the_variable() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({"HAVEN_PORT": "abc"})
    message = str(caught.value)
    assert message.startswith("HAVEN_PORT:") and "\n" not in message


def test_comma_separated_admins_and_keys() -> None:
    settings = load_settings({"HAVEN_TEAMS_ADMINS": "aad-1, aad-2", "HAVEN_ENCRYPTION_KEY": "k1,k2"})
    assert settings.teams_admins == ["aad-1", "aad-2"]
    assert settings.encryption_key == ["k1", "k2"]
    assert load_settings({"HAVEN_TEAMS_ADMINS": "single-id"}).teams_admins == ["single-id"]


def test_slack_api_url_gets_a_trailing_slash() -> None:
    assert load_settings({"SLACK_API_URL": "http://127.0.0.1:9/api"}).slack_api_url == "http://127.0.0.1:9/api/"


def test_secrets_are_not_echoed_in_errors() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({"MICROSOFT_APP_TYPE": "Weird", "HAVEN_TICK_SECONDS": "-1"})
    assert "MICROSOFT_APP_TYPE" in str(caught.value) and "HAVEN_TICK_SECONDS" in str(caught.value)


@pytest.mark.parametrize("variable", ["HAVEN_CLOCK_FILE", "HAVEN_TEAMS_EMULATOR"])
def test_test_only_switches_are_refused_off_loopback(variable: str) -> None:
    value = "/tmp/clock" if variable == "HAVEN_CLOCK_FILE" else "1"
    with pytest.raises(ConfigError, match=variable):
        check_safety(load_settings({variable: value, "HAVEN_HOST": "0.0.0.0"}))
    check_safety(load_settings({variable: value, "HAVEN_HOST": "127.0.0.1"}))
