"""The floor: a bare slack-bolt ``AsyncApp`` that only acknowledges ``/abuse``.

Run as its own process: ``python -m bench.ack.baseline PORT`` with ``SLACK_BOT_TOKEN``,
``SLACK_SIGNING_SECRET`` and ``SLACK_API_URL`` (the fake) in the environment, and
``BENCH_BOLT_PROCESS_BEFORE_RESPONSE=1`` to skip bolt's ``ack()`` polling.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient


def make_app() -> AsyncApp:
    client = AsyncWebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"])
    app = AsyncApp(
        client=client,
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        process_before_response=os.environ.get("BENCH_BOLT_PROCESS_BEFORE_RESPONSE") == "1",
    )

    @app.command("/abuse")
    async def abuse(ack: Any) -> None:
        await ack("Thank you for telling us.")

    return app


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    port = int(sys.argv[1])
    make_app().start(port=port, path="/slack/events", host="127.0.0.1")


if __name__ == "__main__":
    main()
