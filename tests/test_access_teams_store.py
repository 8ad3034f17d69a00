"""The team store on both engines: memberships, invites, shares, the shared
scope a space may read (depth, privacy, leaving, unsharing) and parameters
that look like Cypher (the fixtures of tests/test_store_contract.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from kenning.domain.ids import new_id
from kenning.domain.models import Scope
from kenning.store.graph_port import TimeFilter
from kenning.store.port import GraphWrite
from kenning.store.teams_port import NewInvite
from tests import test_store_contract as contract
from tests.test_store_contract import T0, T1, T2, entity, fact, new_episode, raw

falkordb_backend = contract.falkordb_backend
neo4j_backend = contract.neo4j_backend
tenant_prefix = contract.tenant_prefix
backend = contract.backend
store = contract.store
tenant = contract.tenant

INJECTION = "x'}) MATCH (n) DETACH DELETE n //"


async def _alice_graph(store: Any, tenant: str) -> dict[str, str]:
    """Alice's space: Acme with a public fact, a private one, a fact of a
    private predicate, one drawn only from a private episode, and a second
    hop (Berlin → Paris) behind a public fact and behind a private one."""
    alice = Scope(tenant=tenant, space="alice")
    private_ep = replace(new_episode("secret talk"), private=True)
    public_ep = new_episode("open talk")
    refs = await store.add_episodes(alice, new_id("job"), [private_ep, public_ep], T0)
    ep_private, ep_public = refs[0].id, refs[1].id
    names = ["Acme", "Alice", "Berlin", "Paris", "Vault", "Gold", "Moon", "Mars", "Pay"]
    rows = {
        "works": fact("Alice", "works_at", "Acme", "Alice works at Acme"),
        "located": fact("Acme", "located_in", "Berlin", "Acme is in Berlin"),
        "twin": fact("Berlin", "twinned_with", "Paris", "Berlin is twinned with Paris"),
        "secret": fact("Acme", "hides", "Vault", "Acme hides a vault"),
        "behind": fact("Vault", "holds", "Gold", "The vault holds gold"),
        "salary": fact("Acme", "salary_band", "Pay", "Acme pays band 7"),
        "rumour": fact("Acme", "plans", "Mars", "Acme plans Mars", episode_ids=[ep_private]),
        "mixed": fact(
            "Acme", "sponsors", "Moon", "Acme sponsors Moon", episode_ids=[ep_private, ep_public]
        ),
    }
    write = GraphWrite(entities=[entity(n) for n in names], facts=list(rows.values()), mentions=[])
    stored = await store.write_graph(alice, write, [], T1)
    ids = dict(zip(rows, stored, strict=True))
    assert await store.set_private(alice, "fact", [ids["secret"]], True) == [ids["secret"]]
    return ids


async def test_shared_scope_follows_members_depth_privacy(store: Any, tenant: str) -> None:
    ids = await _alice_graph(store, tenant)
    alice, bob, carol = (Scope(tenant=tenant, space=s) for s in ("alice", "bob", "carol"))
    await store.create_team(tenant, "tm_1", "Friends", "alice", T0)
    assert await store.add_member(tenant, "tm_1", "bob", T0)
    acme = await store.entity_id_by_key(alice, "acme")
    assert acme is not None
    share = await store.share_entity(tenant, "tm_1", "sh_1", "alice", acme, 1, None, T1)
    assert share is not None
    assert share.depth == 1

    visible = await store.shared_scope(bob, ["salary_band"])
    assert set(visible.facts) == {ids["works"], ids["located"], ids["mixed"]}
    assert {(f.space, f.team) for f in visible.facts.values()} == {("alice", "tm_1")}
    assert not await store.shared_scope(carol, ["salary_band"])  # not a member
    assert not await store.shared_scope(alice, ["salary_band"])  # its own space
    # Without the predicate list the salary fact is shared too.
    assert ids["salary"] in (await store.shared_scope(bob, [])).facts

    # Depth 2 reaches Paris through a public fact, never the gold behind the vault.
    await store.share_entity(tenant, "tm_1", "sh_2", "alice", acme, 2, None, T1)
    deep = set((await store.shared_scope(bob, ["salary_band"])).facts)
    assert deep == {ids["works"], ids["located"], ids["mixed"], ids["twin"]}

    # Reads by id return only what the scope allows, marked with its source.
    scope = await store.shared_scope(bob, ["salary_band"])
    at = TimeFilter.resolve(None, None)
    edges = await store.shared_facts(tenant, scope, [ids["twin"], ids["secret"]], at)
    assert [e.edge.fact.id for e in edges] == [ids["twin"]]
    assert edges[0].edge.fact.shared_from is not None
    assert edges[0].edge.fact.shared_from.space == "alice"

    # Bob leaving ends it; Alice leaving removes her share for good.
    assert await store.leave_team(tenant, "tm_1", "bob") is True
    assert not await store.shared_scope(bob, [])
    assert await store.add_member(tenant, "tm_1", "bob", T2)
    assert await store.shared_scope(bob, [])
    assert await store.leave_team(tenant, "tm_1", "alice") is True
    assert not await store.shared_scope(bob, [])
    assert await store.add_member(tenant, "tm_1", "alice", T2)
    assert not await store.shared_scope(bob, [])
    assert (await store.get_team(tenant, "tm_1")).shares == []


async def test_unshare_and_private_episode_patch(store: Any, tenant: str) -> None:
    ids = await _alice_graph(store, tenant)
    alice, bob = Scope(tenant=tenant, space="alice"), Scope(tenant=tenant, space="bob")
    await store.create_team(tenant, "tm_2", "Pair", "alice", T0)
    await store.add_member(tenant, "tm_2", "bob", T0)
    acme = await store.entity_id_by_key(alice, "acme")
    share = await store.share_entity(tenant, "tm_2", "sh_9", "alice", acme, 1, "key_1", T1)
    assert share is not None
    assert share.by == "key_1"
    # A member key of another space cannot end Alice's share; she can.
    assert await store.unshare(tenant, "tm_2", "sh_9", frozenset({"bob"})) is None
    assert ids["works"] in (await store.shared_scope(bob, [])).facts
    # Marking the public episode private hides the fact drawn from both.
    ep_ids = (await store.get_facts(alice, [ids["mixed"]]))[0].episode_ids
    assert await store.set_private(alice, "episode", ep_ids, True)
    assert ids["mixed"] not in (await store.shared_scope(bob, [])).facts
    assert await store.unshare(tenant, "tm_2", "sh_9", frozenset({"alice"})) == "alice"
    assert not await store.shared_scope(bob, [])


async def test_invites_expire_run_out_and_revoke(store: Any, tenant: str) -> None:
    await store.create_team(tenant, "tm_3", "Club", None, T0)
    once = NewInvite("inv_1", "tm_3", "h1", T0 + timedelta(hours=1), 2)
    assert await store.create_invite(tenant, once, T0)
    assert not await store.create_invite(tenant, replace(once, team="tm_none"), T0)
    assert await store.join_team(tenant, "h1", "bob", T0 + timedelta(hours=2)) is None  # expired
    assert await store.join_team(tenant, "h1", "bob", T1) == "tm_3"
    assert await store.join_team(tenant, "h1", "bob", T1) == "tm_3"  # already a member: no use
    assert await store.join_team(tenant, "h1", "carol", T1) == "tm_3"
    assert await store.join_team(tenant, "h1", "erin", T1) is None  # used up
    forever = NewInvite("inv_2", "tm_3", "h2", None, None)
    assert await store.create_invite(tenant, forever, T0)
    assert await store.revoke_invite(tenant, "tm_3", "inv_2")
    assert await store.join_team(tenant, "h2", "dave", T1) is None
    # Another tenant's code opens nothing here.
    assert await store.join_team(tenant + "x", "h2", "dave", T1) is None
    team = await store.get_team(tenant, "tm_3")
    assert [m.space for m in team.members] == ["bob", "carol"]


async def test_cypher_like_values_are_data(store: Any, tenant: str) -> None:
    await store.create_team(tenant, "tm_4", INJECTION, INJECTION, T0)
    team = await store.get_team(tenant, "tm_4")
    assert team.name == INJECTION
    assert [m.space for m in team.members] == [INJECTION]
    assert await store.join_team(tenant, INJECTION, INJECTION, T0) is None
    assert await store.entity_id_by_key(Scope(tenant=tenant, space="s"), INJECTION) is None
    assert await store.unshare(tenant, "tm_4", INJECTION, frozenset({INJECTION})) is None
    assert [t.id for t in await store.list_teams(tenant, frozenset({INJECTION}))] == ["tm_4"]
    rows = await raw(
        store, "MATCH (t:Team {tenant: $tenant}) RETURN count(t) AS n", {"tenant": tenant}
    )
    assert rows[0]["n"] == 1
