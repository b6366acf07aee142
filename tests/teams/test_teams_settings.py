"""MICROSOFT_APP_* → the Agents SDK's service connection; bad Teams settings are one clear line."""

from __future__ import annotations

import pytest
from microsoft_agents.hosting.core.authorization import AuthTypes

from adapters.teams.auth import configuration
from bot.app.config import ConfigError, load_settings
from bot.model.settings import TeamsSettings

APP = {"MICROSOFT_APP_ID": "00000000-aaaa-bbbb-cccc-000000000001"}
TENANT = "72f988bf-0000-0000-0000-000000000001"


def teams(env: dict[str, str]) -> TeamsSettings:
    """What the Teams adapter is given for ``env``."""
    return load_settings(env).teams()


def test_single_tenant_is_a_client_secret_in_the_own_tenant() -> None:
    config = configuration(teams({**APP, "MICROSOFT_APP_PASSWORD": "s", "MICROSOFT_APP_TENANT_ID": TENANT}))
    assert config is not None
    connection = {"auth": config.AUTH_TYPE, "client": config.CLIENT_ID, "tenant": config.TENANT_ID,
                  "secret": config.CLIENT_SECRET}
    assert connection == {"auth": AuthTypes.client_secret, "client": APP["MICROSOFT_APP_ID"], "tenant": TENANT,
                          "secret": "s"}


def test_multi_tenant_gets_tokens_from_the_bot_framework_tenant() -> None:
    config = configuration(teams({**APP, "MICROSOFT_APP_PASSWORD": "s", "MICROSOFT_APP_TYPE": "MultiTenant"}))
    assert config is not None and config.TENANT_ID == "botframework.com"


def test_a_managed_identity_needs_no_password() -> None:
    config = configuration(teams({**APP, "MICROSOFT_APP_TYPE": "UserAssignedMSI", "MICROSOFT_APP_TENANT_ID": TENANT}))
    assert config is not None and not config.CLIENT_SECRET
    auth_type = config.AUTH_TYPE
    assert auth_type == AuthTypes.user_managed_identity


def test_emulator_mode_has_no_credentials() -> None:
    assert configuration(teams({"HAVEN_TEAMS_EMULATOR": "1"})) is None


@pytest.mark.parametrize("env,variable", [
    ({**APP, "MICROSOFT_APP_TENANT_ID": TENANT}, "MICROSOFT_APP_PASSWORD"),
    ({**APP, "MICROSOFT_APP_PASSWORD": "s"}, "MICROSOFT_APP_TENANT_ID"),
    ({**APP, "MICROSOFT_APP_TYPE": "UserAssignedMSI"}, "MICROSOFT_APP_TENANT_ID"),
])
def test_a_missing_credential_names_its_variable(env: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigError) as error:
        configuration(teams(env))
    assert str(error.value).startswith(variable) and "\n" not in str(error.value)


def test_allow_guests_is_off_unless_set_and_a_bad_value_names_the_variable() -> None:
    assert teams({}).allow_guests is False
    assert teams({"HAVEN_TEAMS_ALLOW_GUESTS": "1"}).allow_guests is True
    with pytest.raises(ConfigError, match=r"^HAVEN_TEAMS_ALLOW_GUESTS"):
        load_settings({"HAVEN_TEAMS_ALLOW_GUESTS": "maybe"})
