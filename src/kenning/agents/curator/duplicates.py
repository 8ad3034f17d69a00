"""Duplicate entities: one thing under several entities.

Candidates come from string rules over the entity list (Python): the same
:func:`~kenning.agents.curator.names.name_key` (case, punctuation,
possessives, articles), an alias naming another entity, a short form of a
name ("Mel" / "Melanie"), or near-identical name vectors. Short forms and
vectors also need neighbours in common (a graph pattern, Cypher), and every
pair needs compatible types. Pairs join into groups; each group keeps the
entity with the most facts and mentions (then the longer name, then the
older id) and merges the others into it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from kenning.agents.curator.names import is_short_form, name_key, types_compatible
from kenning.agents.curator.options import CuratorOptions
from kenning.agents.models import AgentContext, InsightDraft, fingerprint
from kenning.store.curator_port import CuratorEntity

#: Score of a group by its strongest reason (how sure the curator is).
REASON_SCORE = {"name": 0.95, "alias": 0.9, "embedding": 0.8, "short_form": 0.7}


@dataclass
class DuplicateGroup:
    """Entities to merge into ``keep``, with why each pair matched."""

    keep: CuratorEntity
    merge: list[CuratorEntity]
    reasons: dict[str, list[str]] = field(default_factory=dict)  # entity id → reasons
    shared: list[str] = field(default_factory=list)
    similarity: float | None = None

    def draft(self) -> InsightDraft:
        """The insight: title, markdown body with the evidence, ``data`` with
        ``keep`` and ``merge`` ids."""
        ids = [self.keep.id, *(m.id for m in self.merge)]
        names = ", ".join(f'"{m.name}"' for m in self.merge)
        why = sorted({r for rs in self.reasons.values() for r in rs})
        lines = [
            f"Keep **{self.keep.name}** ({self.keep.id}, {self.keep.facts} facts, "
            f"{self.keep.mentions} mentions); merge {names}.",
            "",
            *(
                f"- {m.name} ({m.id}, {m.type}, {m.facts} facts, {m.mentions} mentions): "
                + ", ".join(self.reasons.get(m.id, []))
                for m in self.merge
            ),
        ]
        if self.shared:
            lines.append(f"- shared neighbours: {', '.join(self.shared[:10])}")
        return InsightDraft(
            agent="curator",
            kind="duplicate_entities",
            title=f'"{self.keep.name}" and {names} look like one entity'[:300],
            body="\n".join(lines),
            score=max(REASON_SCORE[r] for r in why),
            fingerprint=fingerprint("duplicate_entities", *ids),
            entity_ids=ids,
            data={
                "keep": self.keep.id,
                "merge": [m.id for m in self.merge],
                "reasons": {k: sorted(v) for k, v in sorted(self.reasons.items())},
                "shared_neighbours": self.shared,
                **({"similarity": round(self.similarity, 4)} if self.similarity else {}),
            },
        )


class _Groups:
    """Union-find over entity ids, with the reasons that joined them."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}
        self.reasons: dict[tuple[str, str], set[str]] = defaultdict(set)

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def join(self, a: str, b: str, reason: str) -> None:
        self.reasons[tuple(sorted((a, b)))].add(reason)  # type: ignore[index]
        self.parent[self.find(a)] = self.find(b)


def _pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


def name_pairs(entities: list[CuratorEntity], opts: CuratorOptions) -> dict[tuple[str, str], str]:
    """Pairs with the same name key (``name``) or an alias naming the other
    (``alias``), types compatible; no neighbours needed."""
    pairs: dict[tuple[str, str], str] = {}
    by_key: dict[str, list[CuratorEntity]] = defaultdict(list)
    for e in entities:
        if key := name_key(e.name):
            by_key[key].append(e)
    for group in by_key.values():
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                if types_compatible(a.type, b.type, opts.generic_types):
                    pairs.setdefault(_pair(a.id, b.id), "name")
    for e in entities:
        for alias in e.aliases:
            for other in by_key.get(name_key(alias), []):
                compatible = types_compatible(e.type, other.type, opts.generic_types)
                if other.id != e.id and compatible:
                    pairs.setdefault(_pair(e.id, other.id), "alias")
    return pairs


def short_form_pairs(
    entities: list[CuratorEntity], opts: CuratorOptions
) -> dict[tuple[str, str], str]:
    """Pairs of names of people (``opts.short_form_types``) where a one-word
    name shortens the other's first word; the value is the short one's id."""
    by_head: dict[str, list[CuratorEntity]] = defaultdict(list)
    for e in entities:
        key = name_key(e.name)
        if key and e.type in opts.short_form_types:
            by_head[key[: opts.short_form_min_chars]].append(e)
    pairs: dict[tuple[str, str], str] = {}
    for group in by_head.values():
        for short in group:
            for long in group:
                if (
                    short.id != long.id
                    and types_compatible(short.type, long.type, opts.generic_types)
                    and is_short_form(short.name, long.name, opts.short_form_min_chars)
                ):
                    pairs.setdefault(_pair(short.id, long.id), short.id)
    return pairs


def unambiguous(
    short_forms: dict[tuple[str, str], str], shared: dict[tuple[str, str], list[str]], least: int
) -> set[tuple[str, str]]:
    """The short-form pairs to trust: for each short name, the one long name
    it shares the most neighbours with (at least ``least``); none on a tie
    ("Jo" with shared friends of both "Joanna" and "Joseph")."""
    best: dict[str, list[tuple[int, tuple[str, str]]]] = defaultdict(list)
    for pair, short in short_forms.items():
        count = len(shared.get(pair, []))
        if count >= least:
            best[short].append((count, pair))
    chosen: set[tuple[str, str]] = set()
    for options in best.values():
        options.sort(reverse=True)
        if len(options) == 1 or options[0][0] > options[1][0]:
            chosen.add(options[0][1])
    return chosen


def embedding_pairs(
    entities: list[CuratorEntity], opts: CuratorOptions, chunk: int = 1024
) -> dict[tuple[str, str], float]:
    """Pairs whose name vectors have cosine similarity of at least
    ``opts.embedding_similarity`` (exact, in chunks of ``chunk`` rows), types
    compatible."""
    with_vectors = [e for e in entities if e.embedding]
    if len(with_vectors) < 2:
        return {}
    matrix = np.asarray([e.embedding for e in with_vectors], dtype=np.float32)
    matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
    pairs: dict[tuple[str, str], float] = {}
    for start in range(0, len(with_vectors), chunk):
        sims = matrix[start : start + chunk] @ matrix.T
        rows, cols = np.nonzero(sims >= opts.embedding_similarity)
        for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
            i = start + r
            if c <= i:
                continue
            a, b = with_vectors[i], with_vectors[c]
            if types_compatible(a.type, b.type, opts.generic_types):
                pairs[_pair(a.id, b.id)] = float(sims[r, c])
    return pairs


def _keep(members: list[CuratorEntity]) -> CuratorEntity:
    return min(members, key=lambda e: (-(e.facts + e.mentions), -len(e.name), e.id))


async def find_duplicates(ctx: AgentContext, opts: CuratorOptions) -> list[DuplicateGroup]:
    """Groups of entities that are one thing (see the module docstring)."""
    entities = await ctx.store.curator_entities(ctx.scope, embeddings=True)
    by_id = {e.id: e for e in entities}
    groups = _Groups()
    for (a, b), reason in name_pairs(entities, opts).items():
        groups.join(a, b, reason)
    short_forms = short_form_pairs(entities, opts)
    similar = embedding_pairs(entities, opts)
    shared = await ctx.store.curator_shared_neighbours(ctx.scope, sorted({*short_forms, *similar}))
    confirmed = [
        (p, "short_form") for p in unambiguous(short_forms, shared, opts.min_shared_neighbours)
    ]
    confirmed += [
        (p, "embedding") for p in similar if len(shared.get(p, [])) >= opts.min_shared_neighbours
    ]
    shared_of: dict[str, set[str]] = defaultdict(set)
    for pair, reason in sorted(confirmed):
        groups.join(*pair, reason)
        shared_of[pair[0]].update(shared.get(pair, []))
        shared_of[pair[1]].update(shared.get(pair, []))
    return _collect(groups, by_id, shared_of, similar)


def _collect(
    groups: _Groups,
    by_id: dict[str, CuratorEntity],
    shared_of: dict[str, set[str]],
    similar: dict[tuple[str, str], float],
) -> list[DuplicateGroup]:
    members: dict[str, list[CuratorEntity]] = defaultdict(list)
    for entity_id in list(groups.parent):
        members[groups.find(entity_id)].append(by_id[entity_id])
    found: list[DuplicateGroup] = []
    for group in members.values():
        if len(group) < 2:
            continue
        keep = _keep(group)
        merge = sorted((e for e in group if e.id != keep.id), key=lambda e: e.id)
        ids = {e.id for e in group}
        reasons: dict[str, list[str]] = defaultdict(list)
        for (a, b), why in groups.reasons.items():
            if a in ids and b in ids:
                for entity_id in (a, b):
                    if entity_id != keep.id:
                        reasons[entity_id] = sorted(set(reasons[entity_id]) | why)
        sims = [s for (a, b), s in similar.items() if a in ids and b in ids]
        common = sorted(set().union(*(shared_of.get(i, set()) for i in ids)) - ids)
        found.append(
            DuplicateGroup(keep, merge, dict(reasons), common, max(sims) if sims else None)
        )
    return sorted(found, key=lambda g: g.keep.id)
