"""RediSearch query text for FalkorDB's full-text indexes, scoped in the index.

The full-text indexes also hold ``tenant`` and ``space`` (cypher/falkordb/
schema.cypher), so a query names the scope's tokens beside its words and the
index intersects the postings itself: a common word costs what it costs in
this space, not what it costs in every space (as on Neo4j, whose scoped
Lucene query does the same). The scope clause only narrows; the Cypher
``WHERE`` still keeps exact tenant and space matches (``acme`` is also a
token of ``acme-eu``), so a token left out can only cost time, never a hit.
"""

from __future__ import annotations

import re
from typing import Literal

from kenning.store.stop_words import STOP_WORDS

#: RediSearch's default separators: a value is indexed as the runs between them.
_SEPARATORS = re.compile(r"[\s,.<>{}\[\]\"':;!@#$%^&*()\-+=~|/\\?`]+")
#: A token that needs no escaping and that the index is sure to hold as is.
_PLAIN = re.compile(r"^[a-z0-9]{2,}$")
#: Text fields searched per kind.
_FIELDS: dict[str, str] = {"fact": "@text", "episode": "@content|speaker"}


def scope_tokens(value: str) -> list[str]:
    """The tokens of a tenant or space name safe to require in a query
    (lower-cased, plain letters and digits, not stop words), in order."""
    tokens = (t.lower() for t in _SEPARATORS.split(value) if t)
    return list(dict.fromkeys(t for t in tokens if _PLAIN.match(t) and t not in STOP_WORDS))


def scoped_query(tenant: str, space: str, kind: Literal["fact", "episode"], words: str) -> str:
    """``words`` (plain words joined by ``|``) on ``kind``'s text fields, AND
    the tokens of ``tenant`` and ``space`` on theirs.

    Returns:
        E.g. ``@text:(hiking|lisbon) @tenant:(default) @space:(conv 26)``.
    """
    clauses = [f"{_FIELDS[kind]}:({words})"]
    for field, value in (("tenant", tenant), ("space", space)):
        tokens = scope_tokens(value)
        if tokens:
            clauses.append(f"@{field}:({' '.join(tokens)})")
    return " ".join(clauses)
