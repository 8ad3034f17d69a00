"""The digest agent: what changed in a space over a period, as one insight
with a JSON body (``data``, see :class:`~kenning.agents.digest.body.DigestBody`)
and its markdown rendering (``body``).

A period is measured on when things were said (episodes' ``occurred_at``,
facts' ``observed_at``), not on when Kenning stored them, so an imported
conversation is summarised by its own dates; ``period_end="latest"`` ends
the period on the day of the space's latest episode (see
:mod:`kenning.agents.digest.options`). One digest per (space, period): its
fingerprint is the space and the period, so re-running a period updates the
open digest rather than adding another.
"""

from __future__ import annotations

import time
from typing import Any

from kenning.agents.digest.body import DigestBody, TextSource
from kenning.agents.digest.compose import compose
from kenning.agents.digest.options import DEFAULTS, DigestOptions, choose_period
from kenning.agents.digest.polish import Polisher, polish_text
from kenning.agents.digest.render import render_markdown
from kenning.agents.models import AgentContext, AgentOutcome, Analysis, InsightDraft, fingerprint

__all__ = ["DEFAULTS", "DigestBody", "digest_analysis", "digest_draft", "run_digest"]


async def run_digest(ctx: AgentContext) -> AgentOutcome:
    """Summarise ``ctx.scope`` over the period in ``ctx.options`` (see
    :data:`~kenning.agents.digest.options.DEFAULTS`): one ``digest`` insight,
    also for a period with no activity, its text from the template. Never
    changes the graph.

    Stats: the period (ISO 8601), its counts, ``text`` (template or llm) and
    ``ms`` taken.

    Raises:
        InputError: an option breaks its rule (``field`` ``options.<key>``).
        StoreUnavailable, StoreError: as the store does.
    """
    return await _run(ctx, None)


def digest_analysis(polisher: Polisher | None) -> Analysis:
    """:func:`run_digest` with the text rewritten by ``polisher`` (an LLM,
    see :mod:`kenning.agents.digest.polish`); None: the template only. A
    failed or timed-out polish keeps the template text and records why in
    ``data.text.fallback`` and the run's ``text_fallback`` stat."""

    async def analysis(ctx: AgentContext) -> AgentOutcome:
        return await _run(ctx, polisher)

    return analysis


async def _run(ctx: AgentContext, polisher: Polisher | None) -> AgentOutcome:
    started = time.perf_counter()
    options = DigestOptions.parse(ctx.options)
    period = await choose_period(ctx.store, ctx.scope, options, ctx.now)
    body = await compose(ctx.store, ctx.scope, period, options)
    stats: dict[str, Any] = {
        "period_start": period.start.isoformat(),
        "period_end": period.end.isoformat(),
        **body.activity.model_dump(),
    }
    if polisher is None:
        draft = digest_draft(body)
    else:
        polished = time.perf_counter()
        draft = await _polished_draft(body, polisher)
        stats["polish_ms"] = round((time.perf_counter() - polished) * 1000, 1)
        stats["text_fallback"] = (draft.data or {}).get("text", {}).get("fallback")
    stats["text"] = (draft.data or {}).get("text", {}).get("by", "template")
    stats["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return AgentOutcome(insights=[draft], stats=stats)


async def _polished_draft(body: DigestBody, polisher: Polisher) -> InsightDraft:
    """The draft with the LLM's headline and markdown, or the template's
    when the polish fails; ``data.text`` records which."""
    template = render_markdown(body)
    source = body.model_dump_json(exclude={"text"})
    text, failure = await polish_text(polisher, source, template)
    record = TextSource(
        by="template" if text is None else "llm",
        model=polisher.model,
        prompt=polisher.prompt_version,
        fallback=failure,
    )
    draft = digest_draft(body.model_copy(update={"text": record}))
    if text is None:
        return draft
    return draft.model_copy(update={"title": text.headline[:300], "body": text.markdown})


def digest_draft(body: DigestBody) -> InsightDraft:
    """The insight draft of a digest: title the headline, ``body`` the
    markdown, ``data`` the JSON body; about the focus and highlighted
    entities, with the listed facts and their episodes as evidence.

    Score: 0 for a period with no activity, 0.5 with new facts only, 1 when
    some belief changed (a supersession, invalidation or end).
    """
    entity_ids = [f.entity.id for f in body.focus] + [h.entity.id for h in body.highlights]
    facts = [f for h in body.highlights for f in h.facts]
    facts += [f for c in body.changes for f in (c.old, c.new) if f is not None]
    activity = body.activity
    score = 1.0 if activity.changes else 0.5 if activity.facts or activity.episodes else 0.0
    return InsightDraft(
        agent="digest",
        kind="digest",
        title=body.headline[:300],
        body=render_markdown(body),
        score=score,
        fingerprint=fingerprint(
            "digest",
            f"space={body.space}",
            f"start={body.period.start.isoformat()}",
            f"end={body.period.end.isoformat()}",
        ),
        entity_ids=list(dict.fromkeys(entity_ids)),
        fact_ids=list(dict.fromkeys(f.id for f in facts)),
        episode_ids=list(dict.fromkeys(e for f in facts for e in f.episode_ids)),
        data=body.model_dump(mode="json"),
    )
