"""The digest's options (``AgentContext.options``) and the period they choose.

Until the service has settings for them, the defaults live here
(:data:`DEFAULTS`); a caller overrides any of them per run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any, Literal

from kenning.domain.models import Scope
from kenning.errors import InputError
from kenning.store.digest_port import DigestStore

#: Option → default. ``period_end``: None (the run's ``now``), ``"latest"``
#: (the end of the UTC day of the space's latest episode: "the last 7 days of
#: activity", for a space whose conversations are dated in the past, such as
#: LoCoMo's), or an aware instant (``datetime`` or ISO 8601 text).
#: ``period_days``: the period's length in days (> 0; the previous period for
#: trends has the same length). The rest cap what the digest lists.
DEFAULTS: Mapping[str, Any] = {
    "period_end": None,
    "period_days": 7.0,
    "highlight_entities": 10,
    "highlight_facts": 5,
    "change_limit": 20,
    "focus_limit": 5,
    "trend_predicates": 5,
    "insight_limit": 10,
}
_LIMITS = ("highlight_entities", "highlight_facts", "change_limit", "focus_limit")
_MAX_LIMIT = 1000
PeriodRule = Literal["now", "latest", "given"]


@dataclass(frozen=True, slots=True)
class DigestOptions:
    """Validated options; see :data:`DEFAULTS`."""

    period_end: datetime | Literal["latest"] | None
    period: timedelta
    highlight_entities: int
    highlight_facts: int
    change_limit: int
    focus_limit: int
    trend_predicates: int
    insight_limit: int

    @classmethod
    def parse(cls, options: Mapping[str, Any]) -> DigestOptions:
        """Read the digest's keys of ``options`` (others are ignored).

        Raises:
            InputError: a value breaks its rule (``field`` is ``options.<key>``).
        """
        merged = {**DEFAULTS, **{k: v for k, v in options.items() if k in DEFAULTS}}
        limits = {k: _limit(k, merged[k]) for k in (*_LIMITS, "trend_predicates", "insight_limit")}
        days = merged["period_days"]
        if isinstance(days, bool) or not isinstance(days, int | float) or not 0 < days <= 36600:
            raise InputError("must be a number of days in (0, 36600]", field="options.period_days")
        return cls(period_end=_end(merged["period_end"]), period=timedelta(days=days), **limits)


@dataclass(frozen=True, slots=True)
class Period:
    """The window summarised, ``[start, end)``, and the one before it."""

    start: datetime
    end: datetime
    previous_start: datetime
    rule: PeriodRule


async def choose_period(
    store: DigestStore, scope: Scope, options: DigestOptions, now: datetime
) -> Period:
    """The period the options ask for; ``"latest"`` in a space with no
    episode falls back to ``now``."""
    rule: PeriodRule
    end, rule = now.astimezone(UTC), "now"
    if isinstance(options.period_end, datetime):
        end, rule = options.period_end, "given"
    elif options.period_end == "latest":
        latest = await store.digest_latest(scope)
        if latest is not None:
            day = datetime.combine(latest.astimezone(UTC).date(), time(), tzinfo=UTC)
            end, rule = day + timedelta(days=1), "latest"
    start = end - options.period
    return Period(start=start, end=end, previous_start=start - options.period, rule=rule)


def _limit(key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _MAX_LIMIT:
        raise InputError(f"must be an integer in [0, {_MAX_LIMIT}]", field=f"options.{key}")
    return value


def _end(value: Any) -> datetime | Literal["latest"] | None:
    if value is None or value == "latest":
        return value  # type: ignore[no-any-return]
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            value = None
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise InputError(
            "must be null, 'latest' or an instant with a zone", field="options.period_end"
        )
    return value.astimezone(UTC)
