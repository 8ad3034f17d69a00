"""``suggested_link``: two entities with no current fact between them but a
strong shared neighbourhood or co-mention.

Score: Adamic-Adar, sum over what the pair shares of 1 / ln(degree), where
what they share is common neighbours over facts (degree: the neighbour's
distinct neighbours) and episodes mentioning both (degree: the entities the
episode mentions). Adamic-Adar rather than Jaccard because a shared
neighbour's weight should fall with how common it is: two people who both
go to one small climbing gym say more than two who both know the speaker,
and Jaccard weighs every neighbour alike and divides by the union, so it
punishes the entities the space knows most about. Hubs (more than
``max_degree`` neighbours) are never middles at all (see options.py).
Candidate pairs come from Cypher (two-hop patterns over non-hub middles,
at least ``min_shared`` shared); pairs with a current fact either way are
dropped; the score is computed here, so it is the same on both engines.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from kenning.agents.connector.options import ConnectorOptions
from kenning.agents.models import InsightDraft, fingerprint
from kenning.store.connector_port import NamedRef, SharedPair


@dataclass(slots=True)
class Candidate:
    """A pair and what it shares (neighbour and episode ids with degrees)."""

    a: NamedRef
    b: NamedRef
    neighbours: dict[str, int] = field(default_factory=dict)
    episodes: dict[str, int] = field(default_factory=dict)

    @property
    def adamic_adar(self) -> float:
        """Sum of 1 / ln(degree) over shared neighbours and episodes, in id
        order (the same float on every engine)."""
        degrees = [d for _, d in sorted(self.neighbours.items())]
        degrees += [d for _, d in sorted(self.episodes.items())]
        return sum(1.0 / math.log(d) for d in degrees if d > 1)


def candidates(
    shared: list[SharedPair], comentions: list[SharedPair], linked: set[frozenset[str]]
) -> list[Candidate]:
    """Merge both signals per unordered pair; drop pairs that share a fact."""
    found: dict[frozenset[str], Candidate] = {}
    for rows, attr in ((shared, "neighbours"), (comentions, "episodes")):
        for row in rows:
            pair = frozenset((row.a.id, row.b.id))
            if pair in linked or row.a.id == row.b.id:
                continue
            a, b = sorted((row.a, row.b), key=lambda r: (r.key, r.id))
            cand = found.setdefault(pair, Candidate(a, b))
            getattr(cand, attr).update(zip(row.via, row.degrees, strict=True))
    return list(found.values())


def link_insights(
    found: list[Candidate], names: dict[str, str], opts: ConnectorOptions
) -> list[InsightDraft]:
    """Candidates scoring at least ``min_link_score``, as insights.

    ``names`` gives the display name of shared neighbours by id.
    """
    drafts = []
    for cand in found:
        aa = cand.adamic_adar
        if aa < opts.min_link_score:
            continue
        via = sorted(cand.neighbours, key=lambda i: (str(names.get(i, i)).casefold(), i))
        shown = ", ".join(names.get(i, i) for i in via[:10]) or "none"
        body = (
            f"{cand.a.name} and {cand.b.name} have no fact between them, yet they share "
            f"{len(via)} neighbours ({shown}) and are mentioned together in "
            f"{len(cand.episodes)} episodes. Adamic-Adar score {aa:.2f} (the sum of "
            "1/ln(degree) over what they share, so rare shared neighbours count more "
            "than common ones; chosen over Jaccard, which weighs every neighbour "
            "alike). A fact relating them may be missing."
        )
        drafts.append(
            InsightDraft(
                agent="connector",
                kind="suggested_link",
                title=f"Link {cand.a.name} and {cand.b.name}?"[:300],
                body=body,
                # 0.5 at the threshold, towards 1 as the evidence grows.
                score=round(aa / (aa + opts.min_link_score), 6),
                fingerprint=fingerprint("suggested_link", cand.a.id, cand.b.id),
                entity_ids=[cand.a.id, cand.b.id, *via[:20]],
                episode_ids=sorted(cand.episodes)[:50],
                data={
                    "pair": [cand.a.id, cand.b.id],
                    "adamic_adar": round(aa, 6),
                    "shared_neighbours": len(via),
                    "co_mentions": len(cand.episodes),
                },
            )
        )
    return drafts
