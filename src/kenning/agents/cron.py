"""Cron expressions of the agent schedules (``KENNING_AGENT_*_CRON``).

Five fields are standard crontab (``minute hour day month day_of_week``,
UTC), read by APScheduler's ``CronTrigger.from_crontab``. Six fields put
``second`` first (``*/5 * * * * *``: every five seconds), which crontab
cannot say; tests and short demos use it. An empty expression turns a
schedule off. Write the day of week as a name (``mon``-``sun``): in
APScheduler 3 the number 0 is Monday, not Sunday as in crontab.
"""

from __future__ import annotations

from datetime import UTC

from apscheduler.triggers.cron import CronTrigger

_SIX = ("second", "minute", "hour", "day", "month", "day_of_week")


def cron_trigger(expression: str) -> CronTrigger:
    """The trigger of a 5-field (crontab) or 6-field (seconds first) expression, in UTC.

    Raises:
        ValueError: not 5 or 6 fields, or a field APScheduler refuses; the
            message says which.
    """
    fields = expression.split()
    if len(fields) == 5:
        return CronTrigger.from_crontab(expression, timezone=UTC)
    if len(fields) == 6:
        return CronTrigger(**dict(zip(_SIX, fields, strict=True)), timezone=UTC)
    raise ValueError(
        f"cron needs 5 fields (minute hour day month day_of_week) or 6 (second first); "
        f"got {len(fields)}"
    )


def check_cron(expression: str) -> str:
    """``expression`` stripped, when empty (off) or a valid cron expression.

    Raises:
        ValueError: see :func:`cron_trigger`.
    """
    expression = expression.strip()
    if expression:
        cron_trigger(expression)
    return expression
