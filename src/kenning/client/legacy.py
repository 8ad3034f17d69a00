"""The CLI's small synchronous client (dict answers; the typed SDK is
:class:`kenning.client.Kenning`)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import httpx
from tenacity import retry, retry_if_exception_type, stop_after_attempt, wait_exponential

from kenning.client.errors import ClientError
from kenning.domain.models import EpisodeCreate
from kenning.errors import StoreBusy, StoreUnavailable


class KenningClient:
    """Calls a running Kenning server.

    Args:
        url: Base URL, e.g. ``http://127.0.0.1:8420``.
        api_key: Bearer key; empty when the server runs without keys.
        timeout_s: Per-request timeout in seconds.
    """

    def __init__(self, url: str, api_key: str = "", timeout_s: float = 60.0) -> None:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = httpx.Client(base_url=url, headers=headers, timeout=timeout_s)
        self.url = url

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    # A busy server (429) or a store restarting (503) is worth a few tries
    # before a long import gives up: about 0.5 + 1 + 2 + 4 s, then the error.
    @retry(
        retry=retry_if_exception_type((StoreBusy, StoreUnavailable)),
        stop=stop_after_attempt(5),
        wait=wait_exponential(multiplier=0.5, max=4),
        reraise=True,
    )
    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        """One request; ``StoreBusy`` / ``StoreUnavailable`` are retried 4 times
        with exponential backoff (0.5–4 s), other errors raise ``ClientError``."""
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise ClientError(
                f"no Kenning server answers at {self.url} ({exc}); start one with "
                "`make serve` or `kenning serve`"
            ) from exc
        _raise_for(response)
        return response.json()

    def health(self) -> dict[str, Any]:
        """``GET /healthz``."""
        result: dict[str, Any] = self._call("GET", "/healthz")
        return result

    def add_episodes(self, space: str, episodes: list[EpisodeCreate]) -> dict[str, Any]:
        """``POST /v1/episodes``; returns the job (``job_id``, ``episode_ids``, ...)."""
        body = {
            "space": space,
            "episodes": [e.model_dump(mode="json", exclude_none=True) for e in episodes],
        }
        result: dict[str, Any] = self._call("POST", "/v1/episodes", json=body)
        return result

    def job(self, job_id: str) -> dict[str, Any]:
        """``GET /v1/jobs/{job_id}``."""
        result: dict[str, Any] = self._call("GET", f"/v1/jobs/{job_id}")
        return result

    def search(self, space: str, query: str, top_k: int = 10) -> list[dict[str, Any]]:
        """``POST /v1/search``; the ``results`` list."""
        body = {"space": space, "query": query, "top_k": top_k}
        result: list[dict[str, Any]] = self._call("POST", "/v1/search", json=body)["results"]
        return result

    def export_space(self, space: str, out: BinaryIO) -> int:
        """``GET /v1/spaces/{space}/export``, streamed into ``out``; returns bytes written.

        Raises:
            ClientError: the server refused, or the stream ended without its
                ``end`` line (the server failed part-way).
        """
        written, last = 0, b""
        try:
            with self._http.stream("GET", f"/v1/spaces/{space}/export") as response:
                if response.is_error:
                    response.read()
                    _raise_for(response)
                for chunk in response.iter_bytes():
                    out.write(chunk)
                    written += len(chunk)
                    last = (last + chunk)[-4096:]
        except httpx.TransportError as exc:
            raise ClientError(f"export from {self.url} broke off: {exc}") from exc
        if not _is_end_line(last.rstrip(b"\n").rsplit(b"\n", 1)[-1]):
            raise ClientError("the export ended without its end line; the file is incomplete")
        return written

    def import_space(self, space: str, path: Path, new_ids: bool = False) -> dict[str, Any]:
        """``POST /v1/spaces/{space}/import`` with the file at ``path``, streamed."""
        params = {"ids": "new" if new_ids else "keep"}
        headers = {"Content-Type": "application/x-ndjson"}
        result: dict[str, Any] = self._call(
            "POST",
            f"/v1/spaces/{space}/import",
            params=params,
            headers=headers,
            content=_FileChunks(path),
            timeout=None,
        )
        return result

    def run_agents(self, space: str, agent: str = "all", auto_fix: bool = False) -> list[str]:
        """``POST /v1/agents/run``; the ids of the runs started.

        Raises:
            ClientError: status 409 while the agent runs on the space already.
        """
        body = {"space": space, "agent": agent, "auto_fix": auto_fix}
        result: list[str] = self._call("POST", "/v1/agents/run", json=body)["run_ids"]
        return result

    def agent_run(self, space: str, run_id: str) -> dict[str, Any]:
        """``GET /v1/agents/runs/{run_id}``."""
        result: dict[str, Any] = self._call(
            "GET", f"/v1/agents/runs/{run_id}", params={"space": space}
        )
        return result

    def insights(self, space: str, **filters: str | int) -> dict[str, Any]:
        """``GET /v1/insights``: one page (``items``, ``next_after``); filters
        ``agent``, ``kind``, ``status``, ``since``, ``limit``, ``after``."""
        result: dict[str, Any] = self._call(
            "GET", "/v1/insights", params={"space": space, **filters}
        )
        return result

    def stats(self) -> list[dict[str, Any]]:
        """``GET /v1/stats``; one row per space."""
        result: list[dict[str, Any]] = self._call("GET", "/v1/stats")["spaces"]
        return result


def _raise_for(response: httpx.Response) -> None:
    if response.status_code == 503:
        raise StoreUnavailable(_message(response))
    if response.status_code == 429:
        raise StoreBusy(_message(response))
    if response.is_error:
        raise ClientError(_message(response), response.status_code)


def _is_end_line(line: bytes) -> bool:
    try:
        return bool(json.loads(line).get("type") == "end")
    except (ValueError, AttributeError):
        return False


class _FileChunks:
    """A file's bytes as an iterable that starts again from the top each time
    it is iterated, so a retried upload (``_call`` retries 429/503) sends the
    whole file again instead of an exhausted generator's nothing."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __iter__(self) -> Iterator[bytes]:
        return _chunks(self.path)


def _chunks(path: Path, size: int = 1 << 16) -> Iterator[bytes]:
    with path.open("rb") as file:
        while chunk := file.read(size):
            yield chunk


def _message(response: httpx.Response) -> str:
    try:
        error = response.json()["error"]
        field = f" (field {error['field']})" if error.get("field") else ""
        return f"{response.status_code} {error['code']}: {error['message']}{field}"
    except (ValueError, KeyError, TypeError):
        return f"{response.status_code}: {response.text[:200]}"
