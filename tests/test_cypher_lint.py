"""Lint every Cypher statement Neo4j would run with Neo4j's own Cypher language support.

The Neo4j set is ``cypher/common`` plus ``cypher/neo4j`` (same stem overrides ``common``);
``cypher/falkordb`` is never linted. ``tests/cypher_lint/lint.mjs`` checks syntax, semantics
and that every procedure and function is in ``tests/cypher_lint/neo4j_registry.json``
(Neo4j 5.26), so a misspelt procedure or a FalkorDB-only function fails here, not in
production.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
CYPHER_DIR = REPO / "cypher"
LINT_DIR = Path(__file__).resolve().parent / "cypher_lint"
LINT_SCRIPT = LINT_DIR / "lint.mjs"

# Folders whose queries Neo4j runs, later ones overriding earlier ones by file stem.
NEO4J_DIALECT_DIRS = ("common", "neo4j")
SCHEMA_PREFIX = "schema"
LINT_TIMEOUT_S = 300


@dataclass(frozen=True)
class CypherStatement:
    """One statement Neo4j would run, with where it came from for error messages."""

    name: str
    path: Path
    line: int  # 1-based line in ``path`` where ``text`` starts
    text: str  # as in the file (for positions); ``text.strip()`` is what runs
    single: bool  # a query file must hold exactly one statement


def _has_code(text: str) -> bool:
    """Tell whether ``text`` holds anything but whitespace and comments."""
    without = re.sub(r"/\*.*?\*/", " ", text, flags=re.DOTALL)
    without = re.sub(r"//[^\n]*", " ", without)
    return bool(without.strip())


def split_schema(text: str) -> list[tuple[int, str]]:
    """Split a schema file into ``(start_line, statement)`` at lines ending with ``;``.

    Schema files hold several DDL statements, each ending with ``;`` at the end of a line;
    the ``;`` is dropped. Chunks holding only comments or blank lines are skipped.
    """
    chunks: list[tuple[int, str]] = []
    current: list[str] = []
    start = 1
    for number, line in enumerate(text.splitlines(), start=1):
        if not current:
            start = number
        stripped = line.rstrip()
        if stripped.endswith(";"):
            current.append(stripped[:-1])
            chunks.append((start, "\n".join(current)))
            current = []
        else:
            current.append(line)
    if current:
        chunks.append((start, "\n".join(current)))
    return [(line, chunk.rstrip()) for line, chunk in chunks if _has_code(chunk)]


def collect_neo4j_statements(root: Path) -> list[CypherStatement]:
    """Collect what Neo4j runs from ``root`` (the ``cypher/`` folder), in name order.

    ``neo4j/<name>.cypher`` replaces ``common/<name>.cypher`` (names include capability
    subfolders, ``agents/runs``); ``falkordb/`` is ignored.
    Files whose stem starts with ``schema`` are split into statements named ``stem[i]``.
    """
    files: dict[str, Path] = {}
    for dialect in NEO4J_DIALECT_DIRS:
        folder = root / dialect
        if folder.is_dir():
            for path in sorted(folder.rglob("*.cypher")):
                files[path.relative_to(folder).with_suffix("").as_posix()] = path
    statements: list[CypherStatement] = []
    for stem in sorted(files):
        path = files[stem]
        text = path.read_text(encoding="utf-8")
        if Path(stem).name.startswith(SCHEMA_PREFIX):
            for index, (line, chunk) in enumerate(split_schema(text)):
                statements.append(CypherStatement(f"{stem}[{index}]", path, line, chunk, False))
        else:
            statements.append(CypherStatement(stem, path, 1, text.rstrip(), True))
    return statements


def neo4j_statements(root: Path) -> list[tuple[str, str]]:
    """Return ``(name, text)`` for every statement Neo4j runs from ``root`` (``cypher/``).

    For other tests that need the Neo4j query set (e.g. to run the schema on a server);
    schema statements are named ``stem[i]`` in file order.
    """
    return [(s.name, s.text.strip()) for s in collect_neo4j_statements(root)]


def _lint_prerequisites() -> str:
    """Return the ``node`` executable, or skip when the lint cannot run here."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed; the Cypher lint needs Node.js 20+")
    if not (LINT_DIR / "node_modules" / "@neo4j-cypher" / "language-support").is_dir():
        pytest.skip(
            "run `make install` to install the Cypher lint (tests/cypher_lint/node_modules)"
        )
    return node


def run_lint(statements: list[dict[str, Any]]) -> tuple[int, dict[str, Any]]:
    """Run ``lint.mjs`` once on ``statements``; return its exit code and JSON report."""
    node = _lint_prerequisites()
    proc = subprocess.run(
        [node, str(LINT_SCRIPT), "-"],
        input=json.dumps(statements),
        capture_output=True,
        text=True,
        cwd=LINT_DIR,
        timeout=LINT_TIMEOUT_S,
        check=False,
    )
    if proc.returncode not in (0, 1):
        pytest.fail(f"lint.mjs failed ({proc.returncode}):\n{proc.stderr}{proc.stdout}")
    report: dict[str, Any] = json.loads(proc.stdout)
    return proc.returncode, report


def _errors(diagnostics: list[dict[str, Any]]) -> list[str]:
    """Messages of the error-severity diagnostics."""
    return [d["message"] for d in diagnostics if d["severity"] == "error"]


def _describe(result: dict[str, Any], diagnostic: dict[str, Any]) -> str:
    """``path:line:column: [name] message`` for one diagnostic."""
    where = result["path"] or "<input>"
    message = " ".join(diagnostic["message"].split())
    return f"{where}:{diagnostic['line']}:{diagnostic['column']}: [{result['name']}] {message}"


def test_neo4j_cypher_lints_clean() -> None:
    """Every query Neo4j runs parses and uses only known procedures and functions."""
    statements = collect_neo4j_statements(CYPHER_DIR)
    if not statements:
        pytest.skip(f"no Cypher files under {CYPHER_DIR}/{{common,neo4j}} yet")
    payload = [
        {
            "name": s.name,
            "path": str(s.path.relative_to(REPO)),
            "line": s.line,
            "text": s.text,
            "single": s.single,
        }
        for s in statements
    ]
    code, report = run_lint(payload)
    errors: list[str] = []
    notes: list[str] = []
    for result in report["results"]:
        for diagnostic in result["diagnostics"]:
            line = _describe(result, diagnostic)
            (errors if diagnostic["severity"] == "error" else notes).append(line)
    if notes:
        warnings.warn("Cypher lint warnings:\n" + "\n".join(notes), UserWarning, stacklevel=1)
    assert not errors, f"{len(errors)} Cypher lint error(s):\n" + "\n".join(errors)
    assert code == 0


# Ad-hoc statements for the tests below, linted together in one ``node`` run.
SAMPLES: dict[str, dict[str, Any]] = {
    "syntax_error": {"text": "MATCH (n RETURN n"},
    "misspelt_procedure": {
        "text": "CALL db.index.vector.queryRelationshipz('x', 5, $v) YIELD relationship "
        "RETURN relationship"
    },
    "falkordb_function": {
        "text": "MATCH (e:Entity) RETURN vector.similarity.cosine(e.embedding, vecf32($v)) AS s"
    },
    "falkordb_procedure": {
        "text": "CALL db.idx.vector.queryRelationships('FACT', 'embedding', $k, $v) "
        "YIELD relationship, score RETURN relationship, score"
    },
    "unknown_yield": {
        "text": "CALL db.index.vector.queryNodes('entity_embedding', $k, $v) YIELD entity "
        "RETURN entity"
    },
    "two_in_query_file": {"text": "MATCH (n) RETURN n;\nMATCH (m) RETURN m", "single": True},
    "two_in_schema_file": {"text": "MATCH (n) RETURN n;\nMATCH (m) RETURN m", "single": False},
    "vector_query": {
        "text": "CALL db.index.vector.queryRelationships('fact_embedding', $k, $v) "
        "YIELD relationship, score RETURN relationship.id, score"
    },
    "fulltext_query": {
        "text": "CALL db.index.fulltext.queryRelationships('fact_text', $q, {limit: $k}) "
        "YIELD relationship, score RETURN relationship.id AS id, score"
    },
    "builtins_query": {
        "text": "CALL db.index.vector.queryNodes('entity_embedding', $k, $v) YIELD node, score\n"
        "WHERE node.tenant = $tenant AND node.space = $space\n"
        "RETURN node.id AS id, toLower(node.name) AS name, coalesce(node.summary, '') AS s,\n"
        "       size(node.aliases) AS n, vector.similarity.cosine(node.embedding, $v) AS c"
    },
    "aggregate_query": {
        "text": "MATCH (a:Entity)-[f:FACT]->(b:Entity) WHERE f.valid_from <= $at\n"
        "RETURN a.name, collect(f.predicate) AS ps, count(*) AS n"
    },
}


@pytest.fixture(scope="module")
def sample_errors() -> dict[str, list[str]]:
    """Lint ``SAMPLES`` once; map each sample name to its error messages."""
    _, report = run_lint([{"name": name, **sample} for name, sample in SAMPLES.items()])
    return {result["name"]: _errors(result["diagnostics"]) for result in report["results"]}


def test_lint_reports_syntax_error(sample_errors: dict[str, list[str]]) -> None:
    """A broken pattern is an error."""
    assert sample_errors["syntax_error"]


@pytest.mark.parametrize(
    ("sample", "culprit"),
    [
        ("misspelt_procedure", "db.index.vector.queryRelationshipz"),
        ("falkordb_function", "vecf32"),
        ("falkordb_procedure", "db.idx.vector.queryRelationships"),
        ("unknown_yield", "entity"),
    ],
)
def test_lint_reports_unknown_names(
    sample_errors: dict[str, list[str]], sample: str, culprit: str
) -> None:
    """Misspelt or FalkorDB-only procedures and functions, and bad YIELDs, are errors."""
    errors = sample_errors[sample]
    assert any(culprit in message for message in errors), errors


def test_lint_reports_several_statements_in_a_query_file(
    sample_errors: dict[str, list[str]],
) -> None:
    """A query file with two statements is an error; schema files may hold several."""
    assert sample_errors["two_in_query_file"]
    assert not sample_errors["two_in_schema_file"]


@pytest.mark.parametrize(
    "sample", ["vector_query", "fulltext_query", "builtins_query", "aggregate_query"]
)
def test_lint_accepts_valid_queries(sample_errors: dict[str, list[str]], sample: str) -> None:
    """Correct vector, full-text and built-in-function queries have no errors."""
    assert not sample_errors[sample]


def test_schema_split_and_overrides(tmp_path: Path) -> None:
    """Collection applies neo4j/ overrides, ignores falkordb/ and splits schema files."""
    for dialect in ("common", "neo4j", "falkordb"):
        (tmp_path / dialect).mkdir()
    (tmp_path / "common" / "get.cypher").write_text("MATCH (n) RETURN n\n")
    (tmp_path / "common" / "search.cypher").write_text("RETURN 'common'\n")
    (tmp_path / "neo4j" / "search.cypher").write_text("RETURN 'neo4j'\n")
    (tmp_path / "falkordb" / "only_falkor.cypher").write_text("RETURN vecf32($v)\n")
    (tmp_path / "common" / "agents").mkdir()
    (tmp_path / "common" / "agents" / "runs.cypher").write_text("RETURN 'runs'\n")
    (tmp_path / "neo4j" / "schema.cypher").write_text(
        "// indexes\n"
        "CREATE INDEX a IF NOT EXISTS\n"
        "FOR (e:Entity) ON (e.key);\n"
        "\n"
        "CREATE INDEX b IF NOT EXISTS FOR (e:Episode) ON (e.id);\n"
        "// trailing comment\n"
    )
    assert neo4j_statements(tmp_path) == [
        ("agents/runs", "RETURN 'runs'"),
        ("get", "MATCH (n) RETURN n"),
        ("schema[0]", "// indexes\nCREATE INDEX a IF NOT EXISTS\nFOR (e:Entity) ON (e.key)"),
        ("schema[1]", "CREATE INDEX b IF NOT EXISTS FOR (e:Episode) ON (e.id)"),
        ("search", "RETURN 'neo4j'"),
    ]
    lines = [s.line for s in collect_neo4j_statements(tmp_path) if s.name.startswith("schema")]
    assert lines == [1, 4]
