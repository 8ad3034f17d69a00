"""``Kenning``: the typed synchronous client of the REST API."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO, Literal, TypeVar

import httpx
from tenacity import Retrying

from kenning.agents.models import AgentName, AgentRun, Insight, InsightStatus
from kenning.api.rest.schemas import (
    ContextResponse,
    EpisodesAccepted,
    EssentialResponse,
    GraphView,
    ImportAnswer,
    JobView,
    RunsStarted,
    Schedule,
    SpaceStatsView,
    UndoResult,
)
from kenning.client import calls
from kenning.client.calls import UNSET, AgentChoice, Call
from kenning.client.errors import ClientError, error_for
from kenning.client.http import Options, answer, request_kwargs, transport_error
from kenning.domain.models import Entity, EpisodeCreate, Fact, FactCreate, Page, SearchHit
from kenning.domain.temporal import Deletion, TimelineEvent

T = TypeVar("T")
L = TypeVar("L")


class Kenning:
    """A typed client of a Kenning server (every ``/v1`` call), on ``httpx``.

    Args:
        url: Base URL; default ``KENNING_URL``, else ``http://127.0.0.1:8420``.
        api_key: Bearer key; default ``KENNING_API_KEY``; empty without keys.
        timeout_s: Per-request timeout in seconds (default 30).
        attempts: Tries of a call answered 429 or 503, or whose connection
            was refused (default 4; 1 turns retries off). Waits honour
            ``Retry-After`` (at most ``max_wait_s``), else back off
            exponentially from 0.25 s.
        max_wait_s: Longest wait between tries, seconds (default 10).

    Raises (every method):
        BadRequest, Unauthorized, Forbidden, NotFoundError, ConflictError:
            the answer's status (see :mod:`kenning.client.errors`).
        RateLimited, ServiceUnavailable: still 429/503 after the last try.
        ConnectionFailed: no answer (refused after the last try, or a timeout).

    Use as a context manager, or call :meth:`close`.
    """

    def __init__(
        self,
        url: str | None = None,
        api_key: str | None = None,
        *,
        timeout_s: float = 30.0,
        attempts: int = 4,
        max_wait_s: float = 10.0,
    ) -> None:
        self.options = Options.of(url, api_key, timeout_s, attempts, max_wait_s)
        self.url = self.options.url
        self._http = httpx.Client(
            base_url=self.url, headers=self.options.headers(), timeout=timeout_s
        )

    def __enter__(self) -> Kenning:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def _run(self, call: Call[T]) -> T:
        for attempt in Retrying(**self.options.retry_policy()):
            with attempt:
                return answer(call, self._send(call))
        raise AssertionError("unreachable: tenacity re-raises the last error")

    def _send(self, call: Call[Any]) -> httpx.Response:
        try:
            return self._http.request(call.method, call.path, **request_kwargs(call))
        except httpx.TransportError as exc:
            raise transport_error(self.url, exc) from exc

    # -- ingest ----------------------------------------------------------------

    def health(self) -> dict[str, str]:
        """``GET /healthz``: ``{"status": "ok", "engine": ...}``."""
        return self._run(calls.health())

    def add_episodes(
        self, space: str, episodes: Sequence[EpisodeCreate | dict[str, Any]]
    ) -> EpisodesAccepted:
        """``POST /v1/episodes``: store messages durably (in the order said) and
        queue them for extraction; answers the job at once. Safe to repeat
        (idempotent on ``idempotency_key``, else content and ``occurred_at``)."""
        return self._run(calls.add_episodes(space, episodes))

    def job(self, job_id: str) -> JobView:
        """``GET /v1/jobs/{id}``: episodes pending, processing, done, failed."""
        return self._run(calls.job(job_id))

    def retry_job(self, job_id: str) -> JobView:
        """``POST /v1/jobs/{id}/retry``: queue the job's failed episodes again."""
        return self._run(calls.retry_job(job_id))

    def wait_for_job(self, job_id: str, timeout_s: float = 300.0, poll_s: float = 0.25) -> JobView:
        """Poll the job every ``poll_s`` seconds until it is ``finished``.

        Raises:
            TimeoutError: not finished after ``timeout_s`` seconds.
        """
        deadline = time.monotonic() + timeout_s
        while True:
            view = self.job(job_id)
            if view.finished:
                return view
            if time.monotonic() >= deadline:
                raise TimeoutError(f"job {job_id} not finished after {timeout_s} s")
            time.sleep(poll_s)

    # -- recall ----------------------------------------------------------------

    def search(
        self,
        space: str,
        query: str,
        top_k: int = 10,
        as_of: datetime | None = None,
        known_at: datetime | None = None,
    ) -> list[SearchHit]:
        """``POST /v1/search``: facts and episodes best first, each with its
        channel scores and sources; valid at ``as_of``, known at ``known_at``."""
        return self._run(calls.search(space, query, top_k, as_of, known_at))

    def context(
        self,
        space: str,
        query: str,
        token_budget: int = 1000,
        max_items: int = 30,
        as_of: datetime | None = None,
        known_at: datetime | None = None,
    ) -> ContextResponse:
        """``POST /v1/context``: a prompt block of facts and excerpts for
        ``query`` within ``token_budget`` tokens."""
        return self._run(calls.context(space, query, token_budget, max_items, as_of, known_at))

    def essential(self, space: str, max_tokens: int = 400) -> EssentialResponse:
        """``GET /v1/essential``: the facts to know at the start of every
        session as a prompt block within ``max_tokens`` tokens (cached by the
        server until the space changes)."""
        return self._run(calls.essential(space, max_tokens))

    # -- facts and entities ----------------------------------------------------

    def add_facts(self, space: str, facts: Sequence[FactCreate | dict[str, Any]]) -> list[Fact]:
        """``POST /v1/facts``: store triples without extraction; a re-posted
        triple merges into the stored one."""
        return self._run(calls.add_facts(space, facts))

    def facts(
        self,
        space: str,
        limit: int = 50,
        after: str = "",
        as_of: datetime | None = None,
        known_at: datetime | None = None,
    ) -> Page[Fact]:
        """``GET /v1/facts``: a page, oldest first; pass ``next_after`` as ``after``."""
        return self._run(calls.facts(space, limit, after, as_of, known_at))

    def patch_fact(
        self,
        space: str,
        fact_id: str,
        *,
        valid_from: datetime | None = UNSET,
        valid_to: datetime | None = UNSET,
        confidence: float = UNSET,
        text: str = UNSET,
    ) -> Fact:
        """``PATCH /v1/facts/{id}``: correct what is given; ``None`` clears a
        stated bound. The state before stays as an archived version."""
        changes = dict(valid_from=valid_from, valid_to=valid_to, confidence=confidence, text=text)
        return self._run(calls.patch_fact(space, fact_id, changes))

    def invalidate_fact(
        self,
        space: str,
        fact_id: str,
        valid_to: datetime | None = None,
        reason: str | None = None,
    ) -> Fact:
        """``POST /v1/facts/{id}/invalidate``: it stopped being true at
        ``valid_to`` (default now). Safe to repeat."""
        return self._run(calls.invalidate_fact(space, fact_id, valid_to, reason))

    def entities(self, space: str, limit: int = 50, after: str = "") -> Page[Entity]:
        """``GET /v1/entities``: a page of the space's entities, oldest first."""
        return self._run(calls.entities(space, limit, after))

    def timeline(
        self,
        space: str,
        entity: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        predicates: Sequence[str] | None = None,
        known_at: datetime | None = None,
        limit: int = 500,
    ) -> list[TimelineEvent]:
        """``GET /v1/timeline``: facts (of one entity id) starting, ending and
        being superseded, in time order; also a fact's history."""
        return self._run(calls.timeline(space, entity, start, end, predicates, known_at, limit))

    def graph(
        self,
        space: str,
        entity: str | None = None,
        query: str | None = None,
        depth: int = 1,
        limit: int = 100,
        predicates: Sequence[str] | None = None,
        as_of: datetime | None = None,
    ) -> GraphView:
        """``GET /v1/graph``: the facts within ``depth`` hops of ``entity`` (id
        or name), or those search finds for ``query`` (give exactly one)."""
        return self._run(calls.graph(space, entity, query, depth, limit, predicates, as_of))

    # -- deletes ---------------------------------------------------------------

    def delete(
        self, space: str, kind: Literal["facts", "episodes", "entities"], id_: str
    ) -> Deletion:
        """``DELETE /v1/{kind}/{id}``: hard-delete a fact (every version), an
        episode (and what only it supports) or an entity (with its facts)."""
        return self._run(calls.delete(kind, space, id_))

    def delete_space(self, space: str) -> Deletion:
        """``DELETE /v1/spaces/{space}``: hard-delete everything in the space."""
        return self._run(calls.delete_space(space))

    # -- agents and insights ---------------------------------------------------

    def insights(
        self,
        space: str,
        agent: AgentName | None = None,
        kind: str | None = None,
        status: InsightStatus | None = None,
        since: datetime | None = None,
        entity: str | None = None,
        limit: int = 50,
        after: str = "",
    ) -> Page[Insight]:
        """``GET /v1/insights``: a page of insights, newest first, filtered."""
        return self._run(calls.insights(space, agent, kind, status, since, entity, limit, after))

    def insight(self, space: str, insight_id: str) -> Insight:
        """``GET /v1/insights/{id}``."""
        return self._run(calls.insight(space, insight_id))

    def dismiss_insight(self, space: str, insight_id: str) -> Insight:
        """``POST /v1/insights/{id}/dismiss``: a re-run does not bring it back."""
        return self._run(calls.dismiss_insight(space, insight_id))

    def run_agents(
        self, space: str, agent: AgentChoice = "all", auto_fix: bool = False
    ) -> RunsStarted:
        """``POST /v1/agents/run``: start runs in the background.

        Raises:
            ConflictError: the agent runs on the space already.
        """
        return self._run(calls.run_agents(space, agent, auto_fix))

    def agent_runs(
        self, space: str, agent: AgentName | None = None, limit: int = 50, after: str = ""
    ) -> Page[AgentRun]:
        """``GET /v1/agents/runs``: a page of runs, newest first."""
        return self._run(calls.agent_runs(space, agent, limit, after))

    def agent_run(self, space: str, run_id: str) -> AgentRun:
        """``GET /v1/agents/runs/{id}``: running, succeeded, failed or undone."""
        return self._run(calls.agent_run(space, run_id))

    def undo_run(self, space: str, run_id: str) -> UndoResult:
        """``POST /v1/agents/runs/{id}/undo``: revert a curator ``auto_fix`` run."""
        return self._run(calls.undo_run(space, run_id))

    def schedule(self) -> Schedule:
        """``GET /v1/agents/schedule``: each agent's cron and next firing."""
        return self._run(calls.schedule())

    def stats(self) -> list[SpaceStatsView]:
        """``GET /v1/stats``: counts per space of the tenant."""
        return self._run(calls.stats())

    # -- export and import -----------------------------------------------------

    def export_space(self, space: str, out: BinaryIO) -> int:
        """``GET /v1/spaces/{space}/export`` streamed into ``out``; bytes written.

        Raises:
            ClientError: the stream ended without its ``end`` line.
        """
        from kenning.client.portable import check_end

        tail, written = b"", 0
        try:
            with self._http.stream("GET", f"/v1/spaces/{space}/export") as response:
                if response.is_error:
                    response.read()
                    raise error_for(response)
                for chunk in response.iter_bytes():
                    out.write(chunk)
                    written += len(chunk)
                    tail = (tail + chunk)[-4096:]
        except httpx.TransportError as exc:
            raise transport_error(self.url, exc) from exc
        check_end(tail)
        return written

    def import_space(
        self, space: str, source: Path | bytes | Iterable[bytes], new_ids: bool = False
    ) -> ImportAnswer:
        """``POST /v1/spaces/{space}/import`` of a ``kenning-jsonl`` export (a
        path, bytes or byte chunks), into an empty space; all or nothing."""
        from kenning.client.portable import FileChunks

        content = FileChunks(source) if isinstance(source, Path) else source
        return self._run(calls.import_space(space, content, new_ids))

    # -- the LLM wrap ----------------------------------------------------------

    def wrap(self, llm: L, space: str, session: str | None = None, **options: Any) -> L:
        """Give an OpenAI or Anthropic client (sync or async) memory; see
        :func:`kenning.client.wrap.wrap` for ``options``. Returns ``llm``."""
        from kenning.client.wrap import wrap

        return wrap(llm, self.options, space, session, **options)


__all__ = ["ClientError", "Kenning"]
