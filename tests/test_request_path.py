"""The search request path's shortcuts keep what they shortcut: the FalkorDB
vector literal equals the client's own formatting, models read from the store
skip only the text scan, the API's dependencies never use the thread pool, and
the supervisor's PING reuses one connection."""

from __future__ import annotations

import asyncio
import inspect
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pydantic
import pytest
from falkordb.helpers import stringify_param_value

from kenning.api import deps
from kenning.domain.models import STORED, Episode
from kenning.store.base import _is_vector
from kenning.store.falkordb.probe import Pinger, Probe
from kenning.store.falkordb.server import EmbeddedFalkorDB
from kenning.store.falkordb.store import VectorText, _vector_text

AT = datetime(2023, 5, 8, 13, 56, tzinfo=UTC)


def test_vector_literal_is_what_the_client_would_write() -> None:
    rng = np.random.default_rng(7)
    vector = rng.standard_normal(384).astype(np.float32)
    values = (vector / np.linalg.norm(vector)).tolist()
    literal = VectorText(_vector_text(tuple(values)))
    # Top level and nested in a row, as set_embeddings sends vectors.
    assert stringify_param_value(literal) == stringify_param_value(values)
    row = {"id": "fa_1", "embedding": literal}
    assert stringify_param_value(row) == stringify_param_value({**row, "embedding": values})


def test_only_float_lists_count_as_vectors() -> None:
    assert _is_vector([0.5, -0.25])
    assert not _is_vector([])
    assert not _is_vector([0.5, 1])  # an int: walked item by item as before
    assert not _is_vector(["a", "b"])
    assert not _is_vector([AT, AT])


def _episode_row(content: str) -> dict[str, object]:
    return {
        "id": "ep_1",
        "space": "s",
        "role": "user",
        "speaker": "Ann",
        "content": content,
        "content_hash": "h",
        "occurred_at": AT,
        "recorded_at": AT,
        "status": "done",
    }


def test_stored_rows_skip_only_the_text_scan() -> None:
    with pytest.raises(pydantic.ValidationError, match="NUL"):
        Episode.model_validate(_episode_row("a\x00b"))
    # Read back from the store: its text was checked when it was written.
    assert Episode.model_validate(_episode_row("a\x00b"), context=STORED).content == "a\x00b"
    # Types are still checked.
    with pytest.raises(pydantic.ValidationError):
        Episode.model_validate({**_episode_row("ok"), "occurred_at": "soon"}, context=STORED)


def test_request_dependencies_run_on_the_event_loop() -> None:
    # A plain def dependency would run in FastAPI's thread pool on every request.
    assert inspect.iscoroutinefunction(deps.get_runtime)
    assert inspect.iscoroutinefunction(deps.get_tenant)


def test_pinger_keeps_one_connection(tmp_path: Path) -> None:
    async def scenario() -> tuple[list[Probe], int, Probe]:
        server = EmbeddedFalkorDB(tmp_path / "data")
        socket = Path(await server.start())
        pinger = Pinger(socket, timeout_s=2.0)
        try:
            answers = [await pinger.probe()]
            before = await _connections_received(pinger)
            answers += [await pinger.probe() for _ in range(4)]
            opened = await _connections_received(pinger) - before
        finally:
            await pinger.close()
            await server.stop()
        return answers, opened, await pinger.probe()

    answers, opened, after_stop = asyncio.run(scenario())
    assert answers == [Probe.READY] * 5
    # None of its own (the server's supervisor may open its one meanwhile).
    assert opened <= 1
    assert after_stop is Probe.NOTHING


async def _connections_received(pinger: Pinger) -> int:
    client = pinger._client
    assert client is not None
    info = await client.info("stats")
    return int(info["total_connections_received"])
