"""The store contract of the memory agents' runs, insights and leases, on
both engines (the fixtures of tests/test_store_contract.py)."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from kenning.agents.models import AgentOutcome, InsightDraft, fingerprint
from kenning.agents.service import check_outcome, safe_error
from kenning.domain.ids import new_id
from kenning.domain.models import Scope
from kenning.errors import StoreError
from kenning.store.agent_runs_port import InsightFilter
from kenning.store.port import GraphWrite
from tests import test_store_contract as contract
from tests.test_store_contract import T0, T1, T2, T3, entity, fact

# The contract suite's engines and per-test tenants, shared by reference.
falkordb_backend = contract.falkordb_backend
neo4j_backend = contract.neo4j_backend
tenant_prefix = contract.tenant_prefix
backend = contract.backend
store = contract.store
tenant = contract.tenant
scope = contract.scope


def draft(kind: str, *about: str, score: float = 0.5, title: str = "t") -> InsightDraft:
    return InsightDraft(
        agent="curator",
        kind=kind,
        title=title,
        body=f"**{kind}** about {', '.join(about)}",
        score=score,
        fingerprint=fingerprint(kind, *about),
        entity_ids=list(about),
        fact_ids=["fa_1"],
        episode_ids=["ep_1", "ep_2"],
        data={"keep": about[0] if about else None, "n": 2},
    )


async def entity_ids(store: Any, scope: Scope) -> dict[str, str]:
    """Write Ada, Byron and Cleo in ``scope``; their ids by name."""
    write = GraphWrite(
        entities=[entity("Ada"), entity("Byron"), entity("Cleo")],
        facts=[fact("Ada", "knows", "Byron", "Ada knows Byron")],
    )
    await store.write_graph(scope, write, [], T0)
    page = await store.list_entities(scope, "", 10)
    return {e.name: e.id for e in page.items}


async def test_a_run_is_started_finished_listed_and_scoped(store: Any, scope: Scope) -> None:
    run_id = new_id("run")
    started = await store.start_run(scope, run_id, "curator", "manual", True, T0)
    assert (started.status, started.auto_fix, started.started_at) == ("running", True, T0)
    assert started.finished_at is None
    assert started.stats == {}

    stats = {"ms": 12.5, "insights": {"created": 2}}
    done = await store.finish_run(scope, run_id, "succeeded", T1, stats)
    assert (done.status, done.finished_at, done.stats, done.error) == ("succeeded", T1, stats, None)
    # Finishing again changes nothing: the run is no longer running.
    assert await store.finish_run(scope, run_id, "failed", T2, {}, "late") is None
    assert (await store.get_run(scope, run_id)).status == "succeeded"

    other = Scope(tenant=scope.tenant, space="s2")
    assert await store.get_run(other, run_id) is None
    assert (await store.list_runs(other, "", 10)).items == []


async def test_a_failed_run_keeps_its_error_and_runs_page_newest_first(
    store: Any, scope: Scope
) -> None:
    ids = [new_id("run") for _ in range(5)]
    for i, run_id in enumerate(ids):
        agent = "digest" if i % 2 else "connector"
        await store.start_run(scope, run_id, agent, "schedule", False, T0 + timedelta(seconds=i))
    failed = await store.finish_run(scope, ids[0], "failed", T1, {"ms": 1}, "analysis timed out")
    assert (failed.status, failed.error) == ("failed", "analysis timed out")

    first = await store.list_runs(scope, "", 2)
    second = await store.list_runs(scope, first.next_after, 2)
    third = await store.list_runs(scope, second.next_after, 2)
    walked = [r.id for p in (first, second, third) for r in p.items]
    assert walked == ids[::-1]
    assert third.next_after is None
    digests = await store.list_runs(scope, "", 10, agent="digest")
    assert [r.id for r in digests.items] == [ids[3], ids[1]]


async def test_set_run_status_moves_only_from_the_given_status(store: Any, scope: Scope) -> None:
    run_id = new_id("run")
    await store.start_run(scope, run_id, "curator", "manual", True, T0)
    assert await store.set_run_status(scope, run_id, "succeeded", "undone") is None
    await store.finish_run(scope, run_id, "succeeded", T1, {})
    undone = await store.set_run_status(scope, run_id, "succeeded", "undone")
    assert undone is not None
    assert undone.status == "undone"
    assert await store.set_run_status(scope, run_id, "succeeded", "undone") is None


async def test_a_lease_is_exclusive_renewable_and_expires(store: Any, scope: Scope) -> None:
    lease = timedelta(minutes=10)
    assert await store.take_agent_lease(scope, "curator", "run-a", T0, T0 + lease)
    # Another holder cannot take it before it expires; the holder may renew.
    assert not await store.take_agent_lease(scope, "curator", "run-b", T1, T1 + lease)
    assert await store.take_agent_lease(scope, "curator", "run-a", T1, T1 + lease)
    # Other agents and other spaces have their own leases.
    assert await store.take_agent_lease(scope, "digest", "run-c", T1, T1 + lease)
    other = Scope(tenant=scope.tenant, space="s2")
    assert await store.take_agent_lease(other, "curator", "run-d", T1, T1 + lease)
    # A holder that died: its lease is free once it expired (renewed at T1).
    assert not await store.take_agent_lease(scope, "curator", "run-b", T1 + lease / 2, T3)
    later = T1 + lease
    assert await store.take_agent_lease(scope, "curator", "run-b", later, later + lease)
    # The old holder's release does not free the new holder's lease.
    assert not await store.release_agent_lease(scope, "curator", "run-a")
    assert not await store.take_agent_lease(scope, "curator", "run-e", later, later + lease)
    assert await store.release_agent_lease(scope, "curator", "run-b")
    assert await store.take_agent_lease(scope, "curator", "run-e", later, later + lease)


async def test_insights_are_written_once_per_open_fingerprint(store: Any, scope: Scope) -> None:
    ids = await entity_ids(store, scope)
    ada, byron, cleo = ids["Ada"], ids["Byron"], ids["Cleo"]
    drafts = [draft("duplicate_entities", ada, byron), draft("orphan_entity", cleo)]
    first = await store.write_insights(scope, "run_1", drafts, T0)
    assert (first.created, first.updated, first.skipped) == (2, 0, 0)

    # A re-run updates the open insight in place (same id, created_at kept).
    again = [draft("duplicate_entities", byron, ada, score=0.9, title="new title")]
    second = await store.write_insights(scope, "run_2", again, T1)
    assert (second.created, second.updated) == (0, 1)
    page = await store.list_insights(scope, InsightFilter(), "", 10)
    assert len(page.items) == 2
    dup = next(i for i in page.items if i.kind == "duplicate_entities")
    assert (dup.score, dup.title, dup.run_id, dup.created_at) == (0.9, "new title", "run_2", T0)
    assert [e.name for e in dup.entities] == ["Ada", "Byron"]
    assert (dup.fact_ids, dup.episode_ids) == (["fa_1"], ["ep_1", "ep_2"])
    assert dup.data == {"keep": byron, "n": 2}
    assert dup.status == "open"
    assert await store.get_insight(scope, dup.id) == dup


async def test_a_dismissed_insight_is_not_brought_back(store: Any, scope: Scope) -> None:
    ids = await entity_ids(store, scope)
    orphan = draft("orphan_entity", ids["Cleo"])
    await store.write_insights(scope, "run_1", [orphan], T0)
    (insight,) = (await store.list_insights(scope, InsightFilter(), "", 10)).items
    dismissed = await store.dismiss_insight(scope, insight.id, T1)
    assert dismissed is not None
    assert dismissed.status == "dismissed"
    assert (await store.dismiss_insight(scope, insight.id, T2)).status == "dismissed"
    assert await store.dismiss_insight(scope, "in_missing", T2) is None

    written = await store.write_insights(scope, "run_2", [orphan], T2)
    assert (written.created, written.updated, written.skipped) == (0, 0, 1)
    assert len((await store.list_insights(scope, InsightFilter(), "", 10)).items) == 1


async def test_insights_filter_and_page(store: Any, scope: Scope) -> None:
    ids = await entity_ids(store, scope)
    ada, byron, cleo = ids["Ada"], ids["Byron"], ids["Cleo"]
    await store.write_insights(scope, "r1", [draft("orphan_entity", cleo)], T0)
    await store.write_insights(scope, "r2", [draft("stale_fact", ada)], T1)
    linked = draft("duplicate_entities", ada, byron).model_copy(update={"agent": "curator"})
    link = InsightDraft(**{**linked.model_dump(), "agent": "connector", "kind": "suggested_link"})
    await store.write_insights(scope, "r3", [link], T2)

    everything = await store.list_insights(scope, InsightFilter(), "", 10)
    assert [i.kind for i in everything.items] == ["suggested_link", "stale_fact", "orphan_entity"]

    def kinds(page: Any) -> list[str]:
        return [i.kind for i in page.items]

    assert kinds(await store.list_insights(scope, InsightFilter(agent="connector"), "", 10)) == [
        "suggested_link"
    ]
    assert kinds(await store.list_insights(scope, InsightFilter(kind="stale_fact"), "", 10)) == [
        "stale_fact"
    ]
    since = await store.list_insights(scope, InsightFilter(since=T1), "", 10)
    assert kinds(since) == ["suggested_link", "stale_fact"]
    about_ada = await store.list_insights(scope, InsightFilter(entity_id=ada), "", 10)
    assert kinds(about_ada) == ["suggested_link", "stale_fact"]
    await store.dismiss_insight(scope, everything.items[0].id, T3)
    open_ = await store.list_insights(scope, InsightFilter(status="open"), "", 10)
    assert kinds(open_) == ["stale_fact", "orphan_entity"]

    first = await store.list_insights(scope, InsightFilter(), "", 2)
    rest = await store.list_insights(scope, InsightFilter(), first.next_after, 2)
    assert kinds(first) + kinds(rest) == kinds(everything)
    assert rest.next_after is None

    other = Scope(tenant=scope.tenant, space="s2")
    assert (await store.list_insights(other, InsightFilter(), "", 10)).items == []
    assert await store.get_insight(other, everything.items[0].id) is None


async def test_insights_link_only_entities_of_their_space(store: Any, scope: Scope) -> None:
    other = Scope(tenant=scope.tenant, space="s2")
    theirs = await entity_ids(store, other)
    await store.write_insights(scope, "r1", [draft("orphan_entity", theirs["Ada"])], T0)
    (insight,) = (await store.list_insights(scope, InsightFilter(), "", 10)).items
    assert insight.entities == []


async def test_spaces_to_analyse_are_those_with_activity_after_the_last_run(
    store: Any, tenant: str
) -> None:
    busy, quiet = Scope(tenant=tenant, space="busy"), Scope(tenant=tenant, space="quiet")
    await entity_ids(store, busy)
    await entity_ids(store, quiet)

    def mine(rows: list[Any]) -> dict[str, Any]:
        return {r.space: r.changed_at for r in rows if r.tenant == tenant}

    assert set(mine(await store.spaces_to_analyse("curator"))) == {"busy", "quiet"}
    # A run that started after the space's last change covers it; a failed
    # run does not.
    for space, status in ((quiet, "succeeded"), (busy, "failed")):
        run_id = new_id("run")
        await store.start_run(space, run_id, "curator", "schedule", False, T3 + timedelta(days=1))
        await store.finish_run(space, run_id, status, T3 + timedelta(days=1), {})
    assert set(mine(await store.spaces_to_analyse("curator"))) == {"busy"}
    assert set(mine(await store.spaces_to_analyse("digest"))) == {"busy", "quiet"}


GUIDE = Path(__file__).resolve().parents[1] / "neo4j" / "guide.html"


def guide_query(query_id: str) -> str:
    """The text of a runnable query of the Neo4j Browser guide."""
    found = re.search(
        rf'<pre class="code runnable" id="{query_id}">(.*?)</pre>', GUIDE.read_text(), re.S
    )
    assert found, query_id
    return html.unescape(found.group(1))


@pytest.mark.neo4j
async def test_the_browser_guides_insight_queries_run_on_neo4j(
    neo4j_backend: Any, tenant: str
) -> None:
    store, scope = neo4j_backend.store, Scope(tenant=tenant, space="s1")
    ids = await entity_ids(store, scope)
    run_id = new_id("run")
    await store.start_run(scope, run_id, "curator", "manual", False, T0)
    await store.finish_run(scope, run_id, "succeeded", T1, {"ms": 5})
    drafts = [draft("orphan_entity", ids["Cleo"], score=0.4), draft("stale_fact", ids["Ada"])]
    await store.write_insights(scope, run_id, drafts, T1)
    params = {"tenant": tenant, "space": "s1", "kind": None}

    rows = await store._run(guide_query("query-insights"), params, write=False)
    assert [r["i"]["kind"] for r in rows] == ["stale_fact", "orphan_entity"]
    assert all(r["about"] is not None for r in rows)
    kinds = await store._run(guide_query("query-insight-kinds"), params, write=False)
    assert [(r["kind"], r["insights"]) for r in kinds] == [("orphan_entity", 1), ("stale_fact", 1)]
    runs = await store._run(guide_query("query-agent-runs"), params, write=False)
    assert [(r["run"], r["status"]) for r in runs] == [(run_id, "succeeded")]


def test_an_analysis_may_write_only_its_own_kinds() -> None:
    check_outcome("curator", AgentOutcome(insights=[draft("orphan_entity", "en_1")]))
    stray = AgentOutcome(insights=[draft("orphan_entity", "en_1")])
    with pytest.raises(ValueError, match="digest analysis returned a curator/orphan_entity") as e:
        check_outcome("digest", stray)
    # The run's error names the rule, and never a store's or a stack's text.
    assert safe_error(e.value).startswith("the digest analysis returned")
    assert "RuntimeError" in safe_error(RuntimeError("password=hunter2"))
    assert "hunter2" not in safe_error(RuntimeError("password=hunter2"))
    assert "hunter2" not in safe_error(StoreError("FalkorDB query failed: hunter2"))
