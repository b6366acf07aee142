"""Re-notifications and pages say when the report was made (local time) and the policy's
deadline, never raw wall minutes that count a weekend as waiting time (a business-hours
severity: ``normal``, head office 10:00–19:00 Mon–Fri, re-notified after 1 h, paged after 2 h)."""

from __future__ import annotations

import pytest

from bot.model.messages import Audience
from tests.escalation.conftest import World, jst


@pytest.mark.parametrize("locale", ["en", "ja"])
async def test_a_weekend_report_is_renotified_and_paged_with_its_business_time_deadline(
        world: World, locale: str) -> None:
    world.runtime.ctx.default_locale = locale
    world.clock.set(jst(2026, 12, 5, 12, 0))  # Saturday noon: the head office is closed until Monday 10:00
    ref = await world.form("other", site="head_office")
    await world.at(jst(2026, 12, 7, 11, 0))
    await world.at(jst(2026, 12, 7, 12, 0))
    (renotified,) = world.sent("renotify")
    (paged,) = world.sent("page", Audience.ESCALATION)
    texts = renotified.message.text + "\n" + paged.message.text
    if locale == "en":
        assert renotified.message.text == (f"Still waiting: nobody has acknowledged {ref} (Normal), reported "
                                           "2026-12-05 12:00 JST; acknowledgement is due within 1 h of business time.")
        assert paged.message.text.startswith(
            f"Escalated: nobody in the supervisors' channel has acknowledged {ref}, reported 2026-12-05 12:00 JST "
            "(acknowledgement due within 1 h of business time). You may act on it here.")
    else:
        assert renotified.message.text == (f"対応待ち：{ref}（通常）は 2026-12-05 12:00 JST に報告されましたが、"
                                           "まだ誰も対応を引き受けていません（報告から営業時間で1時間以内に引き受けが必要です）。")
        assert paged.message.text.startswith(
            f"エスカレーション：2026-12-05 12:00 JST に報告された {ref} は、上長のチャンネルでまだ誰も対応を"
            "引き受けていません（報告から営業時間で1時間以内に引き受けが必要です）。こちらから対応できます。")
    assert " min" not in texts.replace("1 h", "") and "分が経過" not in texts and "2821" not in texts


async def test_a_critical_report_says_its_deadline_in_minutes(world: World) -> None:
    world.clock.set(jst(2026, 12, 5, 12, 0))
    ref = await world.quick("he grabbed my arm")  # critical: 5 min, around the clock
    await world.at(jst(2026, 12, 5, 12, 5))
    (renotified,) = world.sent("renotify")
    assert renotified.message.text == (f"Still waiting: nobody has acknowledged {ref} (Critical), reported "
                                       "2026-12-05 12:00 JST; acknowledgement is due within 5 min.")
