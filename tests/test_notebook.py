"""notebooks/insights.ipynb runs from top to bottom on the embedded engine.

Executed with nbclient in a ``python3`` kernel of this interpreter (ipykernel's
own kernel spec), with this process's environment, so the kernel imports the
same Kenning (``PYTHONPATH``). It imports part of LoCoMo conv-26, runs the
agents and draws; the outputs are checked here and never committed.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tests.conftest import LOCOMO

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "insights.ipynb"
#: A generous bound for a busy two-core machine (models load, ~150 turns extract).
TIMEOUT_S = 1200


def test_the_committed_notebook_has_no_outputs() -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert code
    assert all(not c.outputs and c.execution_count is None for c in code)


@pytest.mark.slow
def test_the_insights_notebook_runs(tmp_path: Path) -> None:
    if not LOCOMO.exists():
        pytest.skip(f"LoCoMo data not found at {LOCOMO}")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    env = {**os.environ, "KENNING_LOCOMO": str(LOCOMO), "HF_HUB_OFFLINE": "1"}
    client = NotebookClient(
        notebook,
        timeout=TIMEOUT_S,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    started = time.perf_counter()
    client.execute(env=env)
    print(f"notebook ran in {time.perf_counter() - started:.0f} s")

    outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "turns imported" in text
    assert "digest:   1 insights" in text
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 2  # clusters and facts per month (insights by kind when any)
    markdown = [o["data"]["text/markdown"] for o in outputs if "text/markdown" in o.get("data", {})]
    assert any(m.startswith("# Digest of conv-26") for m in markdown)
