"""The Cypher loader: the one place where file text becomes a query.

Queries live in ``cypher/common`` (valid on both engines) and
``cypher/<dialect>`` (same name overrides ``common``), grouped by capability
in subfolders as they grow: ``cypher/common/agents/runs.cypher`` is the query
``"agents/runs"``, overridden by ``cypher/neo4j/agents/runs.cypher``. One query per
``.cypher`` file; ``schema*.cypher`` files hold several statements, each
ending with ``;`` at the end of a line. In a wheel the folder is packaged as
``kenning/cypher``; in a source checkout it is read from the repository root.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Literal, LiteralString

from kenning.errors import QueryMissing

Dialect = Literal["falkordb", "neo4j"]
_STATEMENT_END = re.compile(r";[ \t]*(?:\n|$)")


def cypher_root() -> Traversable:
    """Locate the ``cypher/`` folder: packaged first, then the source checkout."""
    packaged = resources.files("kenning") / "cypher"
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[3] / "cypher"
    if checkout.is_dir():
        return checkout
    raise QueryMissing("cypher/ folder not found in the package or the source tree")


def strip_comments(text: str) -> str:
    """Drop whole-line ``//`` comments, which not every engine accepts."""
    lines = (line for line in text.splitlines() if not line.lstrip().startswith("//"))
    return "\n".join(lines).strip()


def split_statements(text: str) -> list[str]:
    """Split a schema file into statements at ``;`` ending a line."""
    return [part.strip() for part in _STATEMENT_END.split(text) if part.strip()]


def _cypher_files(directory: Traversable, prefix: str = "") -> list[tuple[str, Traversable]]:
    """``(name, file)`` for every ``.cypher`` file under ``directory``; a file in
    subfolder ``agents`` is named ``agents/<stem>``."""
    found: list[tuple[str, Traversable]] = []
    for item in directory.iterdir():
        if item.is_dir():
            found += _cypher_files(item, f"{prefix}{item.name}/")
        elif item.name.endswith(".cypher"):
            found.append((prefix + item.name.removesuffix(".cypher"), item))
    return found


class CypherLibrary:
    """All queries of one dialect, read once.

    Args:
        dialect: ``"falkordb"`` or ``"neo4j"``.
        required: Query names the store needs; any missing one fails now.
        root: Folder holding ``common/`` and the dialect folders (tests).

    Raises:
        QueryMissing: a required query has no text for this dialect.
    """

    def __init__(
        self, dialect: Dialect, required: Iterable[str], root: Traversable | None = None
    ) -> None:
        base = root if root is not None else cypher_root()
        texts: dict[str, str] = {}
        for folder in ("common", dialect):  # later folders override earlier ones
            directory = base / folder
            if not directory.is_dir():
                continue
            for name, item in _cypher_files(directory):
                texts[name] = strip_comments(item.read_text("utf-8"))
        missing = sorted(set(required) - texts.keys())
        if missing:
            raise QueryMissing(f"no {dialect} Cypher for: {', '.join(missing)}")
        self.dialect = dialect
        self._texts: Mapping[str, str] = texts

    def query(self, name: str) -> LiteralString:
        """The text of query ``name``; reviewed files, never user input.

        Raises:
            QueryMissing: no such query.
        """
        try:
            text = self._texts[name]
        except KeyError:
            raise QueryMissing(f"no {self.dialect} Cypher named {name!r}") from None
        # The one reviewed place where file text becomes query text: it comes
        # from the packaged cypher/ folder, never from a caller.
        # (mypy treats LiteralString as str; the annotation marks the contract.)
        return text

    def statements(self, name: str) -> list[LiteralString]:
        """The statements of a multi-statement file such as ``schema``."""
        return split_statements(self.query(name))
