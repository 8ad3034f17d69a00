"""A small synchronous HTTP client for the Kenning REST API (used by the CLI)."""

from __future__ import annotations

from typing import Any

import httpx

from kenning.domain.models import EpisodeCreate
from kenning.errors import KenningError, StoreBusy, StoreUnavailable


class ClientError(KenningError):
    """The server answered with an error, or could not be reached."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


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

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise ClientError(
                f"no Kenning server answers at {self.url} ({exc}); start one with "
                "`make serve` or `kenning serve`"
            ) from exc
        if response.status_code == 503:
            raise StoreUnavailable(_message(response))
        if response.status_code == 429:
            raise StoreBusy(_message(response))
        if response.is_error:
            raise ClientError(_message(response), response.status_code)
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

    def stats(self) -> list[dict[str, Any]]:
        """``GET /v1/stats``; one row per space."""
        result: list[dict[str, Any]] = self._call("GET", "/v1/stats")["spaces"]
        return result


def _message(response: httpx.Response) -> str:
    try:
        error = response.json()["error"]
        field = f" (field {error['field']})" if error.get("field") else ""
        return f"{response.status_code} {error['code']}: {error['message']}{field}"
    except (ValueError, KeyError, TypeError):
        return f"{response.status_code}: {response.text[:200]}"
