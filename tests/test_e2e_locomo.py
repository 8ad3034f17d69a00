"""End to end: the CLI imports LoCoMo conv-26 into the running app, then searches."""

from __future__ import annotations

import httpx
import pytest
from typer.testing import CliRunner

from kenning.cli import app as cli
from tests.conftest import LOCOMO

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not LOCOMO.exists(), reason=f"LoCoMo data not found at {LOCOMO}"),
]

QUESTION = "When did Caroline go to the LGBTQ support group?"


@pytest.fixture(scope="module")
def imported(conv26_import: str) -> str:
    """The session's `kenning import locomo` of conv-26; the CLI's output."""
    return conv26_import


def test_import_reports_every_turn_stored_and_none_failed(imported: str) -> None:
    assert "conv-26: 419 episodes (419 new, 0 already stored), 0 failed" in imported


def test_evidence_turn_is_in_the_top_10(imported: str, app_url: str) -> None:
    body = {"space": "conv-26", "query": QUESTION, "top_k": 10}
    results = httpx.post(f"{app_url}/v1/search", json=body, timeout=60).json()["results"]
    turns = {
        (r["episode"] or {}).get("metadata", {}).get("dia_id")
        for r in results
        if r["kind"] == "episode"
    }
    assert "D1:3" in turns
    d13 = next(
        r
        for r in results
        if r["kind"] == "episode" and r["episode"]["metadata"]["dia_id"] == "D1:3"
    )
    assert d13["occurred_at"].startswith("2023-05-08")


def test_cli_search_prints_the_turn_with_its_date(imported: str, app_url: str) -> None:
    # The question, not the bare words "LGBTQ support group": for those the
    # fact taken from D1:3 ranks first and search's diversity step (MMR)
    # leaves out its source turn as redundant, on both engines.
    result = CliRunner().invoke(
        cli,
        ["search", QUESTION, "--space", "conv-26"],
        env={"KENNING_URL": app_url, "COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    line = next(line for line in result.output.splitlines() if "D1:3" in line)
    assert "2023-05-08" in line


def test_reimport_stores_nothing_new(imported: str, app_url: str) -> None:
    result = CliRunner().invoke(
        cli,
        ["import", "locomo", str(LOCOMO), "--conversation", "conv-26"],
        env={"KENNING_URL": app_url},
    )
    assert "conv-26: 419 episodes (0 new, 419 already stored), 0 failed" in result.output


def test_cli_status_lists_the_space(imported: str, app_url: str, engine: str) -> None:
    result = CliRunner().invoke(cli, ["status"], env={"KENNING_URL": app_url, "COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert f"engine {engine}" in result.output
    row = next(line for line in result.output.splitlines() if "conv-26" in line)
    assert "419" in row


def test_cli_without_a_server_says_how_to_start_one() -> None:
    result = CliRunner().invoke(
        cli, ["search", "x", "--space", "s"], env={"KENNING_URL": "http://127.0.0.1:1"}
    )
    assert result.exit_code == 1
    assert "no Kenning server answers" in result.output
