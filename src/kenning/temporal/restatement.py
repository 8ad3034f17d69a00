"""Plan the new state of one chain from everything its facts' sources stated (pure).

A fact keeps one :class:`~kenning.store.temporal_port.Statement` per episode
(or post) that stated it, so a chain can be recomputed from what was said:

1. The statements of all live facts of a *functional* chain (one subject,
   one predicate) are ordered in valid time: by anchor (stated start, else when
   said; see :func:`kenning.temporal.chain.anchor`), then object, then content.
2. Each maximal run of consecutive statements with the same object is one
   *stay*, i.e. one fact. A restatement with no other value in between joins
   the stay (its episodes join, the higher confidence wins); a value stated
   again after another one, or after an end stated for it, starts a new stay:
   A, B, C, A gives four facts, and A is valid today.
3. Each stay is one :class:`~kenning.temporal.chain.Link` (earliest stated
   start, latest stated end, earliest observation; a user's correction
   overrides them) and :func:`~kenning.temporal.chain.resolve_chain` gives the
   intervals. The statements, not their arrival order, decide, so any arrival
   order gives the same intervals.

Ids are kept where possible: a live fact keeps the stay that holds the first
statement it has kept (the one it was created with); any other stay takes a
remaining fact holding one of its statements, else a new id (a copy of such a
fact, split off the chain). A live fact left with no stay is retired (merged
into another). Non-functional predicates keep one fact per (subject,
predicate, object) with its stated interval.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from kenning.domain.ids import new_id
from kenning.store.temporal_port import ChainFact, Correction, FactVersion, Statement
from kenning.temporal.chain import Interval, Link, anchor, resolve_chain, stated_interval

#: Sorts before every instant, for a None in a sort key.
_EARLIEST = datetime(1, 1, 1, tzinfo=UTC)
Said = tuple[str, Statement]  # (object key, statement): one statement of a chain


@dataclass(slots=True)
class ChainPlan:
    """What applying a chain's resolution writes.

    Attributes:
        versions: New states of live facts, and new facts (``copy_of`` set).
        retired: Live facts merged into another stay.
        placed: The fact each statement now belongs to (by object key and statement).
    """

    versions: list[FactVersion] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    placed: dict[Said, str] = field(default_factory=dict)


def sources(fact: ChainFact) -> list[Statement]:
    """The statements of a fact whose sources still exist.

    A statement loses the episodes no longer among the fact's sources (a
    deleted episode) and goes when it had episodes and none is left. A fact
    with no statement kept (written before statements were stored) reads as
    one statement made of its stated fields.
    """
    live = set(fact.episode_ids)
    kept: list[Statement] = []
    for statement in fact.statements:
        ids = tuple(i for i in statement.episode_ids if i in live)
        if ids or not statement.episode_ids:
            kept.append(replace(statement, episode_ids=ids))
    if kept:
        return _unique(kept)
    return [
        Statement(
            tuple(fact.episode_ids),
            fact.stated_valid_from,
            fact.stated_valid_to,
            fact.observed_at,
            fact.confidence,
        )
    ]


def statement_link(said: Said) -> Link:
    """A statement as a chain link (its id is unused)."""
    obj, s = said
    return Link("", obj, s.valid_from, s.valid_to, s.observed_at)


def order_key(said: Said) -> tuple[object, ...]:
    """Valid-time order of statements: anchor, object, then content (total)."""
    obj, s = said
    return (
        anchor(statement_link(said)),
        obj,
        s.valid_from or _EARLIEST,
        s.valid_to or _EARLIEST,
        s.observed_at,
        s.episode_ids,
        s.confidence,
    )


def stays(said: Iterable[Said]) -> list[list[Said]]:
    """Runs of consecutive statements (in valid-time order) with one object.

    A statement placed at or after an end the run already stated ("I broke up
    with Sam", then "I am dating Sam" a year later) starts a new run too: the
    value stopped in between.
    """
    runs: list[list[Said]] = []
    ended: datetime | None = None  # latest end stated in the current run
    for item in sorted(set(said), key=order_key):
        at = anchor(statement_link(item))
        if runs and runs[-1][0][0] == item[0] and (ended is None or at < ended):
            runs[-1].append(item)
        else:
            runs.append([item])
            ended = None
        end = item[1].valid_to
        ended = end if ended is None or (end is not None and end > ended) else ended
    return runs


def merged_link(
    fact_id: str, obj: str, statements: Sequence[Statement], fix: Correction | None
) -> Link:
    """One fact's link: earliest stated start, latest stated end, earliest
    observation; a correction's fields override the statements'."""
    starts = [s.valid_from for s in statements if s.valid_from is not None]
    ends = [s.valid_to for s in statements if s.valid_to is not None]
    start, end = min(starts, default=None), max(ends, default=None)
    if fix is not None:
        start = fix.valid_from if fix.sets_valid_from else start
        end = fix.valid_to if fix.sets_valid_to else end
    return Link(fact_id, obj, start, end, min(s.observed_at for s in statements))


def plan_chain(
    facts: Sequence[ChainFact], functional: bool, edited: Iterable[str] = ()
) -> ChainPlan:
    """The new state of one chain's live facts.

    Args:
        facts: Every live fact of one (subject, predicate) chain, with any
            user edit (text, correction) already applied.
        functional: Whether the predicate has one valid object at a time.
        edited: Ids of facts a user edited: they get a version (archived
            previous state) even if nothing derived changed.

    Returns:
        Versions to apply, facts to retire, and where each statement went.
    """
    if not functional:
        groups = [(f, [(f.object_key, s) for s in sources(f)]) for f in facts]
        return _plan(facts, [(f.id, None, said) for f, said in groups], False, set(edited))
    holders: dict[Said, list[ChainFact]] = {}
    for fact in sorted(facts, key=lambda f: f.id):
        for statement in sources(fact):
            holders.setdefault((fact.object_key, statement), []).append(fact)
    runs = stays(holders)
    owner = _assign(facts, runs, holders)
    assigned: list[tuple[str, str | None, list[Said]]] = []
    for i, run in enumerate(runs):
        if i in owner:
            assigned.append((owner[i], None, run))
        else:  # split off: a copy of the fact holding its first statement
            assigned.append((new_id("fa"), holders[run[0]][0].id, run))
    return _plan(facts, assigned, True, set(edited))


def _assign(
    facts: Sequence[ChainFact], runs: list[list[Said]], holders: dict[Said, list[ChainFact]]
) -> dict[int, str]:
    """Stay index → the live fact id it keeps (see the module docstring)."""
    run_of = {said: i for i, run in enumerate(runs) for said in run}
    owner: dict[int, str] = {}
    used: set[str] = set()
    for fact in sorted(facts, key=lambda f: f.id):
        i = run_of[(fact.object_key, sources(fact)[0])]
        if i not in owner:
            owner[i] = fact.id
            used.add(fact.id)
    for i, run in enumerate(runs):
        spare = [h.id for said in run for h in holders[said] if h.id not in used]
        if i not in owner and spare:
            owner[i] = spare[0]
            used.add(spare[0])
    return owner


def _plan(
    facts: Sequence[ChainFact],
    assigned: list[tuple[str, str | None, list[Said]]],
    functional: bool,
    edited: set[str],
) -> ChainPlan:
    """Versions for ``(fact id, copy_of, statements)`` triples of one chain."""
    stored = {f.id: f for f in facts}
    links: dict[str, Link] = {}
    for fact_id, copy_of, said in assigned:
        base = stored[copy_of or fact_id]
        fix = None if copy_of else base.correction
        links[fact_id] = merged_link(fact_id, base.object_key, [s for _, s in said], fix)
    if functional:
        intervals = resolve_chain(list(links.values()))
    else:
        intervals = {i: stated_interval(link) for i, link in links.items()}
    plan = ChainPlan(retired=sorted(set(stored) - {i for i, _, _ in assigned}))
    for fact_id, copy_of, said in assigned:
        base = stored[copy_of or fact_id]
        new = _version(base, fact_id, copy_of, said, links[fact_id], intervals[fact_id])
        previous = None if copy_of else base
        if previous is None or _differs(previous, new) or fact_id in edited:
            derived = (new.valid_from, new.valid_to, new.superseded_by)
            old = None if previous is None else _derived(previous)
            plan.versions.append(replace(new, archive=fact_id in edited or derived != old))
        plan.placed.update(dict.fromkeys(said, fact_id))
    return plan


def _version(
    base: ChainFact,
    fact_id: str,
    copy_of: str | None,
    said: list[Said],
    link: Link,
    interval: Interval,
) -> FactVersion:
    # A fact keeps its statements in the order it got them, so its first one
    # stays the one it was created with (see _assign); new ones follow.
    first = {s: i for i, s in enumerate(sources(base))} if copy_of is None else {}
    ordered = sorted(said, key=lambda x: (first.get(x[1], len(first)), order_key(x)))
    statements = tuple(s for _, s in ordered)
    fix = None if copy_of else base.correction
    confidence = max(s.confidence for s in statements)
    if fix is not None and fix.confidence is not None:
        confidence = fix.confidence
    episode_ids = tuple(dict.fromkeys(i for s in statements for i in s.episode_ids))
    return FactVersion(
        id=fact_id,
        version_id=new_id("fa"),
        valid_from=interval.valid_from,
        valid_to=interval.valid_to,
        superseded_by=interval.superseded_by,
        stated_valid_from=link.stated_from,
        stated_valid_to=link.stated_to,
        text=base.text,
        confidence=confidence,
        invalidation_reason=None if copy_of else base.invalidation_reason,
        observed_at=link.observed_at,
        episode_ids=episode_ids,
        statements=statements,
        correction=fix,
        copy_of=copy_of,
    )


def _derived(fact: ChainFact) -> tuple[object, ...]:
    return (fact.valid_from, fact.valid_to, fact.superseded_by)


def _differs(fact: ChainFact, new: FactVersion) -> bool:
    """Whether the stored fact differs from its planned state."""
    return (
        *_derived(fact),
        fact.stated_valid_from,
        fact.stated_valid_to,
        fact.observed_at,
        fact.confidence,
        tuple(fact.episode_ids),
        tuple(fact.statements),
    ) != (
        new.valid_from,
        new.valid_to,
        new.superseded_by,
        new.stated_valid_from,
        new.stated_valid_to,
        new.observed_at,
        new.confidence,
        new.episode_ids,
        new.statements,
    )


def _unique(statements: list[Statement]) -> list[Statement]:
    return list(dict.fromkeys(statements))
