"""Real-shaped Teams activities (as Teams sends them to ``/api/messages``)."""

from __future__ import annotations

import itertools
from typing import Any

TENANT = "72f988bf-0000-0000-0000-000000000001"
BOT = {"id": "28:haven-bot", "name": "Haven"}
TEAM = "19:team-general@thread.tacv2"
CHANNEL = "19:supervisors@thread.tacv2"
ESCALATION_CHANNEL = "19:managers@thread.tacv2"
ESCALATION_TEAM = "19:team-managers@thread.tacv2"
MANAGER = "aad-manager-0006"
ADMIN = "aad-admin-0001"
SUPERVISOR = "aad-super-0002"
SECOND = "aad-super-0003"
REPORTER = "aad-reporter-0004"
STRANGER = "aad-stranger-0005"
NAMES = {ADMIN: "Ada Admin", SUPERVISOR: "Sam Supervisor", SECOND: "Sue Second",
         REPORTER: "Rei Reporter", STRANGER: "Stan Stranger"}
_ids = itertools.count(1000)


def _sender(aad: str) -> dict[str, Any]:
    return {"id": f"29:{aad}", "name": NAMES.get(aad, aad), "aadObjectId": aad}


def _base(service_url: str, aad: str, *, locale: str = "en-US", **extra: Any) -> dict[str, Any]:
    activity: dict[str, Any] = {
        "id": f"activity-in-{next(_ids)}", "channelId": "msteams", "serviceUrl": service_url,
        "timestamp": "2026-12-01T05:00:00.000Z", "locale": locale, "from": _sender(aad),
        "recipient": dict(BOT), "entities": [{"type": "clientInfo", "locale": locale}],
    }
    activity.update(extra)
    return activity


def personal(service_url: str, aad: str, text: str, *, locale: str = "en-US") -> dict[str, Any]:
    """A message in the 1:1 chat with Haven."""
    return _base(service_url, aad, locale=locale, type="message", text=text, textFormat="plain",
                 conversation={"id": f"a:personal-{aad}", "conversationType": "personal", "tenantId": TENANT},
                 channelData={"tenant": {"id": TENANT}})


def _channel_parts(channel: str, *, thread: str | None = None, tenant: str = TENANT,
                   team: str = TEAM) -> dict[str, Any]:
    conversation = f"{channel};messageid={thread}" if thread else channel
    return {"conversation": {"id": conversation, "isGroup": True, "conversationType": "channel",
                             "tenantId": tenant},
            "channelData": {"teamsChannelId": channel, "teamsTeamId": team,
                            "channel": {"id": channel, "name": "Supervisors"},
                            "team": {"id": team, "name": "Store 12"}, "tenant": {"id": tenant}}}


def channel_mention(service_url: str, aad: str, text: str, *, channel: str = CHANNEL,
                    tenant: str = TENANT, team: str = TEAM) -> dict[str, Any]:
    """``@Haven <text>`` in a team channel, with the mention entity Teams adds."""
    activity = _base(service_url, aad, type="message", text=f"<at>Haven</at> {text}", textFormat="plain",
                     **_channel_parts(channel, thread=f"{next(_ids)}", tenant=tenant, team=team))
    activity["entities"].append({"type": "mention", "text": "<at>Haven</at>", "mentioned": dict(BOT)})
    return activity


def installed_personal(service_url: str, aad: str) -> dict[str, Any]:
    return _base(service_url, aad, type="conversationUpdate", membersAdded=[dict(BOT)],
                 conversation={"id": f"a:personal-{aad}", "conversationType": "personal", "tenantId": TENANT},
                 channelData={"tenant": {"id": TENANT}})


def card_action(service_url: str, aad: str, data: dict[str, Any], *, channel: str | None = CHANNEL,
                reply_to: str = "activity-1", locale: str = "en-US", team: str = TEAM) -> dict[str, Any]:
    """``invoke`` ``adaptiveCard/action`` from an Action.Execute (inputs merged into data)."""
    parts = (_channel_parts(channel, thread=reply_to, team=team) if channel else
             {"conversation": {"id": f"a:personal-{aad}", "conversationType": "personal", "tenantId": TENANT},
              "channelData": {"tenant": {"id": TENANT}}})
    return _base(service_url, aad, locale=locale, type="invoke", name="adaptiveCard/action",
                 replyToId=reply_to,
                 value={"action": {"type": "Action.Execute", "verb": data.get("action"), "data": data},
                        "trigger": "manual"}, **parts)


def card_submit(service_url: str, aad: str, data: dict[str, Any], *, channel: str = CHANNEL) -> dict[str, Any]:
    """The same data as an Action.Submit value on a message activity."""
    return _base(service_url, aad, type="message", value=data, replyToId="activity-1",
                 **_channel_parts(channel, thread="activity-1"))
