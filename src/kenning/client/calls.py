"""Each REST call once, as data: method, path, query, body and how to read
the answer. :class:`~kenning.client.sync.Kenning` and
:class:`~kenning.client.aio.AsyncKenning` send the same :class:`Call`, so
the two clients cannot drift apart.

Answers are parsed with the API's own pydantic models
(:mod:`kenning.api.rest.schemas`, :mod:`kenning.domain.models`,
:mod:`kenning.agents.models`), which import nothing of the server.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, Literal, TypeVar

import httpx
from pydantic import BaseModel

from kenning.agents.models import AgentName, AgentRun, Insight, InsightStatus
from kenning.api.rest.schemas import (
    ContextResponse,
    EpisodesAccepted,
    EssentialResponse,
    FactsStored,
    GraphView,
    ImportAnswer,
    JobView,
    RunsStarted,
    Schedule,
    SearchResponse,
    SpaceStatsView,
    StatsResponse,
    TimelineResponse,
    UndoResult,
)
from kenning.domain.models import (
    STORED,
    Entity,
    EpisodeCreate,
    Fact,
    FactCreate,
    Page,
    SearchHit,
)
from kenning.domain.temporal import Deletion, TimelineEvent

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

#: Which agent ``run_agents`` starts.
AgentChoice = Literal["curator", "connector", "digest", "all"]
#: A value ``patch_fact`` leaves as it is (``None`` clears a stated bound).
UNSET: Any = object()


@dataclass(frozen=True, slots=True)
class Call(Generic[T]):
    """One request and the reader of its JSON answer."""

    method: str
    path: str
    parse: Callable[[Any], T]
    params: dict[str, Any] | None = None
    #: A JSON body, or None.
    body: Any = None
    #: A raw body instead (bytes or an iterable of byte chunks), with its type.
    content: Any = None
    content_type: str | None = None
    #: Seconds for every phase of this request; None: no limit; the default:
    #: the client's ``timeout_s``.
    timeout: Any = httpx.USE_CLIENT_DEFAULT


def _model(model: type[M]) -> Callable[[Any], M]:
    # Answers come from the server, which checked their text when it was
    # written: STORED skips the NUL / lone-surrogate scan, not the types.
    return lambda data: model.model_validate(data, context=STORED)


def _params(**values: Any) -> dict[str, Any]:
    """Query parameters without the ``None`` ones; instants as ISO 8601."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if value is None:
            continue
        out[key] = value.isoformat() if isinstance(value, datetime) else value
    return out


def _json(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_none=True)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def health() -> Call[dict[str, str]]:
    return Call("GET", "/healthz", lambda data: dict(data))


def add_episodes(
    space: str, episodes: Sequence[EpisodeCreate | dict[str, Any]]
) -> Call[EpisodesAccepted]:
    body = {"space": space, "episodes": [_json(e) for e in episodes]}
    return Call("POST", "/v1/episodes", _model(EpisodesAccepted), body=body)


def job(job_id: str) -> Call[JobView]:
    return Call("GET", f"/v1/jobs/{job_id}", _model(JobView))


def retry_job(job_id: str) -> Call[JobView]:
    return Call("POST", f"/v1/jobs/{job_id}/retry", _model(JobView))


def search(
    space: str, query: str, top_k: int, as_of: datetime | None, known_at: datetime | None
) -> Call[list[SearchHit]]:
    body = {"space": space, "query": query, "top_k": top_k, **_params(as_of=as_of)}
    body.update(_params(known_at=known_at))
    return Call("POST", "/v1/search", lambda d: _model(SearchResponse)(d).results, body=body)


def context(
    space: str,
    query: str,
    token_budget: int,
    max_items: int,
    as_of: datetime | None,
    known_at: datetime | None,
) -> Call[ContextResponse]:
    body = {"space": space, "query": query, "token_budget": token_budget, "max_items": max_items}
    body.update(_params(as_of=as_of, known_at=known_at))
    return Call("POST", "/v1/context", _model(ContextResponse), body=body)


def essential(space: str, max_tokens: int) -> Call[EssentialResponse]:
    params = _params(space=space, max_tokens=max_tokens)
    return Call("GET", "/v1/essential", _model(EssentialResponse), params=params)


def add_facts(space: str, facts: Sequence[FactCreate | dict[str, Any]]) -> Call[list[Fact]]:
    body = {"space": space, "facts": [_json(f) for f in facts]}
    return Call("POST", "/v1/facts", lambda d: _model(FactsStored)(d).facts, body=body)


def facts(
    space: str, limit: int, after: str, as_of: datetime | None, known_at: datetime | None
) -> Call[Page[Fact]]:
    params = _params(space=space, limit=limit, after=after, as_of=as_of, known_at=known_at)
    return Call("GET", "/v1/facts", _model(Page[Fact]), params=params)


def patch_fact(space: str, fact_id: str, changes: dict[str, Any]) -> Call[Fact]:
    body = {"space": space, **{k: _json(v) for k, v in changes.items() if v is not UNSET}}
    return Call("PATCH", f"/v1/facts/{fact_id}", _model(Fact), body=body)


def invalidate_fact(
    space: str, fact_id: str, valid_to: datetime | None, reason: str | None
) -> Call[Fact]:
    body = {"space": space, **_params(valid_to=valid_to, reason=reason)}
    return Call("POST", f"/v1/facts/{fact_id}/invalidate", _model(Fact), body=body)


def delete(kind: Literal["facts", "episodes", "entities"], space: str, id_: str) -> Call[Deletion]:
    return Call("DELETE", f"/v1/{kind}/{id_}", _model(Deletion), params={"space": space})


def delete_space(space: str) -> Call[Deletion]:
    return Call("DELETE", f"/v1/spaces/{space}", _model(Deletion))


def entities(space: str, limit: int, after: str) -> Call[Page[Entity]]:
    params = _params(space=space, limit=limit, after=after)
    return Call("GET", "/v1/entities", _model(Page[Entity]), params=params)


def timeline(
    space: str,
    entity: str | None,
    start: datetime | None,
    end: datetime | None,
    predicates: Sequence[str] | None,
    known_at: datetime | None,
    limit: int,
) -> Call[list[TimelineEvent]]:
    params = _params(space=space, entity=entity, start=start, end=end, known_at=known_at)
    params["limit"] = limit
    if predicates:
        params["predicate"] = list(predicates)
    return Call("GET", "/v1/timeline", lambda d: _model(TimelineResponse)(d).events, params=params)


def graph(
    space: str,
    entity: str | None,
    query: str | None,
    depth: int,
    limit: int,
    predicates: Sequence[str] | None,
    as_of: datetime | None,
) -> Call[GraphView]:
    params = _params(space=space, entity=entity, query=query, as_of=as_of)
    params.update(depth=depth, limit=limit)
    if predicates:
        params["predicates"] = list(predicates)
    return Call("GET", "/v1/graph", _model(GraphView), params=params)


def insights(
    space: str,
    agent: AgentName | None,
    kind: str | None,
    status: InsightStatus | None,
    since: datetime | None,
    entity: str | None,
    limit: int,
    after: str,
) -> Call[Page[Insight]]:
    params = _params(space=space, agent=agent, kind=kind, status=status, since=since, entity=entity)
    params.update(limit=limit, after=after)
    return Call("GET", "/v1/insights", _model(Page[Insight]), params=params)


def insight(space: str, insight_id: str) -> Call[Insight]:
    return Call("GET", f"/v1/insights/{insight_id}", _model(Insight), params={"space": space})


def dismiss_insight(space: str, insight_id: str) -> Call[Insight]:
    path = f"/v1/insights/{insight_id}/dismiss"
    return Call("POST", path, _model(Insight), body={"space": space})


def run_agents(space: str, agent: AgentChoice, auto_fix: bool) -> Call[RunsStarted]:
    body = {"space": space, "agent": agent, "auto_fix": auto_fix}
    return Call("POST", "/v1/agents/run", _model(RunsStarted), body=body)


def agent_runs(space: str, agent: AgentName | None, limit: int, after: str) -> Call[Page[AgentRun]]:
    params = _params(space=space, agent=agent, limit=limit, after=after)
    return Call("GET", "/v1/agents/runs", _model(Page[AgentRun]), params=params)


def agent_run(space: str, run_id: str) -> Call[AgentRun]:
    return Call("GET", f"/v1/agents/runs/{run_id}", _model(AgentRun), params={"space": space})


def undo_run(space: str, run_id: str) -> Call[UndoResult]:
    path = f"/v1/agents/runs/{run_id}/undo"
    return Call("POST", path, _model(UndoResult), body={"space": space})


def schedule() -> Call[Schedule]:
    return Call("GET", "/v1/agents/schedule", _model(Schedule))


def stats() -> Call[list[SpaceStatsView]]:
    return Call("GET", "/v1/stats", lambda d: _model(StatsResponse)(d).spaces)


def import_space(space: str, content: Any, new_ids: bool) -> Call[ImportAnswer]:
    """``content``: bytes or an iterable of byte chunks (sync or async)."""
    params = {"ids": "new" if new_ids else "keep"}
    path = f"/v1/spaces/{space}/import"
    return Call(
        "POST",
        path,
        _model(ImportAnswer),
        params,
        content=content,
        content_type="application/x-ndjson",
        # A whole file streams up: no read timeout while it is written.
        timeout=None,
    )
