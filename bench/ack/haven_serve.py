"""``haven serve`` for the benchmark, unpaced: ``python -m bench.ack.haven_serve``.

Haven paces its Slack posts to about one a second per channel (bot.delivery.pacing), as real
Slack demands. The benchmark's fake Slack does not rate-limit, and the issue measures
Haven's own pipeline ("pacing to Slack's limits belongs to the Reliability issue"), so
this lifts the pace for the Slack messenger and then runs the unchanged CLI. With
``--paced`` the runner uses ``python -m bot.app.cli serve`` itself.
"""

from __future__ import annotations

import sys

from adapters.slack.messenger import SlackMessenger
from bot.app.cli import main

UNPACED = 1e9  # posts per second: no waiting, so no digests either


if __name__ == "__main__":
    SlackMessenger.pace_per_second = UNPACED
    sys.exit(main(["serve"]))
