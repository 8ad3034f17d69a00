"""Teams over HTTP against the real app, on both engines: endpoints, shared
reads (search, context, graph, timeline, GraphQL) with ``shared_from``,
privacy, and denial at the next request after an unshare, a leave, a revoked
or used-up invite; Cypher-like text in every string field changes nothing.

The app runs without managed keys here (development: an admin of tenant
``default``); what a member key may do is tested where keys exist
(tests/test_access_stateful.py)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from tests.conftest import ENGINES, serve, settings_on, wait_for_job

INJECTION = "x'}) MATCH (n) DETACH DELETE n //"
#: The same text as one path segment.
IN_PATH = quote(INJECTION, safe="")


def fresh(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def post_fact(
    api: httpx.Client, space: str, s: str, p: str, o: str, text: str, private: bool = False
) -> dict[str, Any]:
    fact = {"subject": s, "predicate": p, "object": o, "text": text, "private": private}
    r = api.post("/v1/facts", json={"space": space, "facts": [fact]})
    assert r.status_code == 201, r.text
    stored: dict[str, Any] = r.json()["facts"][0]
    return stored


def team_with(api: httpx.Client, *spaces: str) -> str:
    r = api.post("/v1/teams", json={"name": "Friends", "space": spaces[0]})
    assert r.status_code == 201, r.text
    team: str = r.json()["id"]
    for space in spaces[1:]:
        code = api.post(f"/v1/teams/{team}/invites", json={}).json()["invite_code"]
        r = api.post("/v1/teams/join", json={"invite_code": code, "space": space})
        assert r.status_code == 200, r.text
    return team


def search_ids(api: httpx.Client, space: str, query: str, **extra: Any) -> dict[str, Any]:
    r = api.post("/v1/search", json={"space": space, "query": query, "top_k": 50, **extra})
    assert r.status_code == 200, r.text
    return {h["id"]: h for h in r.json()["results"] if h["kind"] == "fact"}


def test_share_flows_into_every_read_and_ends_at_once(api: httpx.Client) -> None:
    alice, bob, carol = fresh("alice"), fresh("bob"), fresh("carol")
    tag = uuid.uuid4().hex[:8]
    public = post_fact(api, alice, "Acme", "located_in", "Berlin", f"Acme sits in Berlin {tag}")
    secret = post_fact(
        api, alice, "Acme", "plans", "Mars", f"Acme plans a Mars base {tag}", private=True
    )
    far = post_fact(api, alice, "Berlin", "twinned_with", "Paris", f"Berlin twins Paris {tag}")
    assert secret["private"] is True
    team = team_with(api, alice, bob)
    r = api.post(f"/v1/teams/{team}/share", json={"space": alice, "entity": "Acme"})
    assert r.status_code == 201, r.text
    share = r.json()
    assert share["depth"] == 1
    assert share["entity_name"] == "Acme"

    hits = search_ids(api, bob, f"Acme Berlin Mars {tag}")
    assert public["id"] in hits
    assert secret["id"] not in hits
    assert far["id"] not in hits
    assert hits[public["id"]]["shared_from"] == {"space": alice, "team": team}
    assert hits[public["id"]]["fact"]["shared_from"]["space"] == alice
    assert public["id"] not in search_ids(api, bob, f"Acme {tag}", include_shared=False)
    assert public["id"] not in search_ids(api, carol, f"Acme Berlin {tag}")
    # Alice's own search is her own: nothing of hers comes back marked shared.
    assert all(h["shared_from"] is None for h in search_ids(api, alice, f"Acme {tag}").values())

    ctx = api.post("/v1/context", json={"space": bob, "query": f"Acme Berlin {tag}"}).json()
    assert f"Acme sits in Berlin {tag}" in ctx["context"]
    assert "Mars" not in ctx["context"]

    graph = api.get("/v1/graph", params={"space": bob, "entity": "Acme", "depth": 2}).json()
    assert {e["id"] for e in graph["edges"]} == {public["id"]}
    assert graph["edges"][0]["fact"]["shared_from"]["team"] == team

    events = api.get("/v1/timeline", params={"space": bob}).json()["events"]
    assert {e["fact"]["id"] for e in events} == {public["id"]}
    assert all(e["sources"] == [] for e in events)

    gql = """query($space: String!, $q: String!) {
      search(space: $space, query: $q, topK: 50) { id sharedFrom { space team } }
      neighborhood(space: $space, entity: {name: "Acme"}) {
        edges { id fact { sharedFrom { space } } }
      }
      timeline(space: $space) { fact { id sharedFrom { team } } }
    }"""
    data = api.post(
        "/graphql", json={"query": gql, "variables": {"space": bob, "q": f"Acme {tag}"}}
    )
    body = data.json()
    assert "errors" not in body, body
    assert {"space": alice, "team": team} in [h["sharedFrom"] for h in body["data"]["search"]]
    assert [e["id"] for e in body["data"]["neighborhood"]["edges"]] == [public["id"]]
    assert [e["fact"]["id"] for e in body["data"]["timeline"]] == [public["id"]]

    # Depth 2 reaches Paris; making the Berlin fact private hides it at once.
    r = api.post(f"/v1/teams/{team}/share", json={"space": alice, "entity": "Acme", "depth": 2})
    assert r.status_code == 201
    assert r.json()["id"] == share["id"]
    assert far["id"] in search_ids(api, bob, f"Berlin Paris {tag}")
    r = api.patch(f"/v1/facts/{far['id']}", json={"space": alice, "private": True})
    assert r.status_code == 200
    assert r.json()["private"] is True
    assert far["id"] not in search_ids(api, bob, f"Berlin Paris {tag}")

    # A fact added later is shared too (live); unsharing ends it at the next request.
    later = post_fact(api, alice, "Acme", "hired", "Dana", f"Acme hired Dana {tag}")
    assert later["id"] in search_ids(api, bob, f"Dana {tag}")
    detail = api.get(f"/v1/teams/{team}").json()
    assert {m["space"] for m in detail["members"]} == {alice, bob}
    assert [s["id"] for s in detail["shares"]] == [share["id"]]
    assert api.delete(f"/v1/teams/{team}/share/{share['id']}").status_code == 204
    assert not search_ids(api, bob, f"Acme Dana {tag}")
    assert api.delete(f"/v1/teams/{team}/share/{share['id']}").status_code == 404

    # Sharing again, then Alice leaving, ends it too; writes never cross.
    api.post(f"/v1/teams/{team}/share", json={"space": alice, "entity": "Acme"})
    assert public["id"] in search_ids(api, bob, f"Acme {tag}")
    assert api.post(f"/v1/teams/{team}/leave", json={"space": alice}).status_code == 204
    assert not search_ids(api, bob, f"Acme {tag}")
    assert api.post(f"/v1/teams/{team}/leave", json={"space": alice}).status_code == 404
    r = api.patch(f"/v1/facts/{public['id']}", json={"space": bob, "private": True})
    assert r.status_code == 404


def test_private_episode_is_not_shared(api: httpx.Client) -> None:
    alice, bob = fresh("alice"), fresh("bob")
    r = api.post(
        "/v1/episodes",
        json={
            "space": alice,
            "episodes": [
                {"speaker": "Alice", "content": "I work at Globex.", "private": True},
                {"speaker": "Alice", "content": "I live in Lisbon."},
            ],
        },
    )
    assert r.status_code == 202, r.text
    wait_for_job(api, r.json()["job_id"])
    episodes = r.json()["episode_ids"]
    team = team_with(api, alice, bob)
    assert (
        api.post(f"/v1/teams/{team}/share", json={"space": alice, "entity": "Alice"}).status_code
        == 201
    )
    texts = {h["text"] for h in search_ids(api, bob, "Alice work Globex live Lisbon").values()}
    assert any("Lisbon" in t for t in texts), texts
    assert not any("Globex" in t for t in texts), texts
    # Making the other episode private hides what only it said; public again shows it.
    r = api.patch(f"/v1/episodes/{episodes[1]}", json={"space": alice, "private": True})
    assert r.status_code == 200
    assert r.json()["private"] is True
    assert not search_ids(api, bob, "Alice live Lisbon")
    api.patch(f"/v1/episodes/{episodes[1]}", json={"space": alice, "private": False})
    assert search_ids(api, bob, "Alice live Lisbon")


def test_invites_revoked_used_up_and_unknown_are_refused(api: httpx.Client) -> None:
    owner, a, b = fresh("own"), fresh("a"), fresh("b")
    team = api.post("/v1/teams", json={"name": "Club", "space": owner}).json()["id"]
    invite = api.post(f"/v1/teams/{team}/invites", json={"max_uses": 1}).json()
    assert invite["invite_code"].startswith("kti_")
    assert len(invite["invite_code"]) > 40
    assert (
        api.post(
            "/v1/teams/join", json={"invite_code": invite["invite_code"], "space": a}
        ).status_code
        == 200
    )
    used = api.post("/v1/teams/join", json={"invite_code": invite["invite_code"], "space": b})
    assert used.status_code == 403
    assert used.json()["error"]["field"] == "invite_code"
    other = api.post(f"/v1/teams/{team}/invites", json={}).json()
    assert api.delete(f"/v1/teams/{team}/invites/{other['id']}").status_code == 204
    revoked = api.post("/v1/teams/join", json={"invite_code": other["invite_code"], "space": b})
    assert revoked.status_code == 403
    listed = {t["id"]: t for t in api.get("/v1/teams").json()["teams"]}
    assert {m["space"] for m in listed[team]["members"]} == {owner, a}
    assert api.post(f"/v1/teams/{team}/members", json={"space": b}).status_code == 200
    assert api.get("/v1/teams/tm_nope").status_code == 404
    bad = api.post(f"/v1/teams/{team}/share", json={"space": owner, "entity": "X", "depth": 3})
    assert bad.status_code == 422
    assert api.post(f"/v1/teams/{team}/invites", json={"expires_in_s": 10**9}).status_code == 422


@pytest.mark.parametrize(
    "call",
    [
        lambda api, team: api.post("/v1/teams", json={"name": INJECTION}),
        lambda api, team: api.post("/v1/teams", json={"name": "n", "space": INJECTION}),
        lambda api, team: api.post("/v1/teams/join", json={"invite_code": INJECTION, "space": "s"}),
        lambda api, team: api.post(f"/v1/teams/{team}/leave", json={"space": INJECTION}),
        lambda api, team: api.post(f"/v1/teams/{team}/members", json={"space": INJECTION}),
        lambda api, team: api.post(
            f"/v1/teams/{team}/share", json={"space": "s", "entity": INJECTION}
        ),
        lambda api, team: api.get(f"/v1/teams/{IN_PATH}"),
        lambda api, team: api.delete(f"/v1/teams/{team}/share/{IN_PATH}"),
        lambda api, team: api.delete(f"/v1/teams/{team}/invites/{IN_PATH}"),
        lambda api, team: api.post(f"/v1/teams/{IN_PATH}/invites", json={}),
        lambda api, team: api.patch(
            "/v1/episodes/ep_x", json={"space": INJECTION, "private": True}
        ),
    ],
)
def test_cypher_in_string_fields_changes_nothing(api: httpx.Client, call: Any) -> None:
    alice, bob = fresh("alice"), fresh("bob")
    tag = uuid.uuid4().hex[:8]
    fact = post_fact(api, alice, "Acme", "located_in", "Berlin", f"Acme is in Berlin {tag}")
    team = team_with(api, alice, bob)
    api.post(f"/v1/teams/{team}/share", json={"space": alice, "entity": "Acme"})
    before = api.get(f"/v1/teams/{team}").json()
    r = call(api, team)
    # 307: a decoded "/" in a path segment ends it with a slash; not followed.
    assert r.status_code in (200, 201, 204, 307, 403, 404, 422), r.text
    assert api.get(f"/v1/teams/{team}").json() == before
    assert fact["id"] in search_ids(api, bob, f"Acme Berlin {tag}")
    assert api.get("/v1/facts", params={"space": alice}).json()["items"][0]["id"] == fact["id"]


def test_export_and_import_keep_private(api: httpx.Client) -> None:
    alice, copy = fresh("alice"), fresh("copy")
    secret = post_fact(api, alice, "Acme", "plans", "Mars", "Acme plans Mars", private=True)
    post_fact(api, alice, "Acme", "located_in", "Berlin", "Acme is in Berlin")
    exported = api.get(f"/v1/spaces/{alice}/export")
    assert exported.status_code == 200
    lines = [json.loads(line) for line in exported.text.splitlines()]
    facts = [item for item in lines if item.get("type") == "fact"]
    flags = [f["properties"].get("private") for f in facts]
    ids = [f["properties"]["id"] for f in facts]
    assert flags[ids.index(secret["id"])] is True
    r = api.post(
        f"/v1/spaces/{copy}/import",
        params={"ids": "new"},
        content=exported.content,
        headers={"Content-Type": "application/x-ndjson"},
    )
    assert r.status_code == 200, r.text
    copied = api.get("/v1/facts", params={"space": copy}).json()["items"]
    assert {f["text"]: f["private"] for f in copied} == {
        "Acme plans Mars": True,
        "Acme is in Berlin": False,
    }


@dataclass
class Keyed:
    """An app whose tenant has a bootstrap admin key, so member keys count."""

    url: str
    admin: str

    def client(self, key: str) -> httpx.Client:
        headers = {"Authorization": f"Bearer {key}"}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60)

    def member(self, space: str) -> httpx.Client:
        with self.client(self.admin) as admin:
            r = admin.post("/v1/keys", json={"role": "member", "spaces": [space], "name": "t"})
        assert r.status_code == 201, r.text
        return self.client(r.json()["key"])


@pytest.fixture(scope="module", params=ENGINES)
def keyed(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Keyed]:
    boot = "boot-" + uuid.uuid4().hex + uuid.uuid4().hex
    settings = settings_on(
        request.param,
        tmp_path_factory.mktemp("teams"),
        request,
        bootstrap_admin_key=boot,
        bootstrap_tenant=fresh("teams"),
        require_keys=True,
        rate_limit_member="",
        rate_limit_admin="",
    )
    with serve(settings) as url:
        app = Keyed(url, boot)
        deadline = time.monotonic() + 120
        with app.client(boot) as admin:
            while admin.get("/v1/keys").status_code != 200:
                assert time.monotonic() < deadline, "bootstrap key never became usable"
                time.sleep(0.2)
        yield app


def shared_setup(keyed: Keyed) -> tuple[httpx.Client, str, str, str, dict[str, dict[str, Any]]]:
    """Alice shares Acme (depth 1) with Bob's team; Berlin's other fact and a
    private Acme fact stay hers. Returns Bob's client, spaces, team, facts."""
    alice, bob, tag = fresh("alice"), fresh("bob"), uuid.uuid4().hex[:8]
    a, b = keyed.member(alice), keyed.member(bob)
    facts = {
        "public": post_fact(a, alice, "Acme", "located_in", "Berlin", f"Acme sits in Berlin {tag}"),
        "secret": post_fact(a, alice, "Acme", "plans", "Mars", f"Acme plans Mars {tag}", True),
        "far": post_fact(a, alice, "Berlin", "twinned_with", "Paris", f"Berlin twins Paris {tag}"),
    }
    team = a.post("/v1/teams", json={"name": "T", "space": alice}).json()["id"]
    code = a.post(f"/v1/teams/{team}/invites", json={}).json()["invite_code"]
    assert b.post("/v1/teams/join", json={"invite_code": code, "space": bob}).status_code == 200
    assert (
        a.post(f"/v1/teams/{team}/share", json={"space": alice, "entity": "Acme"}).status_code
        == 201
    )
    a.close()
    return b, alice, bob, team, facts


def gql(client: httpx.Client, query: str, **variables: Any) -> dict[str, Any]:
    r = client.post("/graphql", json={"query": query, "variables": variables})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    assert "errors" not in body, body
    return body


def test_member_sees_ends_of_a_shared_fact_and_nothing_more(keyed: Keyed) -> None:
    b, alice, bob, team, facts = shared_setup(keyed)
    ends = """
      fact { id sharedFrom { space team } sources { id }
        subject { name space sharedFrom { space team }
          facts(first: 5) { id } insights(first: 5) { id } }
        object { name facts(first: 5) { id sharedFrom { space } subject { name } } } }"""
    query = f"""query($s: String!) {{
      neighborhood(space: $s, entity: {{name: "Acme"}}, limit: 5) {{ edges {{ {ends} }} }}
      search(space: $s, query: "Acme Berlin", topK: 5) {{ {ends} }}
    }}"""
    data = gql(b, query, s=bob)["data"]
    found = [e["fact"] for e in data["neighborhood"]["edges"]]
    found += [h["fact"] for h in data["search"] if h["fact"]]
    assert {f["id"] for f in found} == {facts["public"]["id"]}
    for f in found:
        assert f["sharedFrom"] == {"space": alice, "team": team}
        assert f["sources"] == []  # episodes are never shared
        assert f["subject"]["name"] == "Acme"
        assert f["subject"]["space"] == alice
        assert f["subject"]["sharedFrom"] == {"space": alice, "team": team}
        assert f["subject"]["insights"] == []
        # Only the shared facts of an end: not the private one, not Berlin's other.
        assert [x["id"] for x in f["subject"]["facts"]] == [facts["public"]["id"]]
        assert f["object"]["name"] == "Berlin"
        assert f["object"]["facts"] == [
            {
                "id": facts["public"]["id"],
                "sharedFrom": {"space": alice},
                "subject": {"name": "Acme"},
            }
        ]
    nodes = """query($s: String!) {
      neighborhood(space: $s, entity: {name: "Berlin"}, limit: 5) {
        nodes { name entity { sharedFrom { space team } facts(first: 5) { id } } } } }"""
    got = gql(b, nodes, s=bob)["data"]["neighborhood"]["nodes"]
    assert {n["name"] for n in got} == {"Acme", "Berlin"}
    for n in got:
        assert n["entity"] == {
            "sharedFrom": {"space": alice, "team": team},
            "facts": [{"id": facts["public"]["id"]}],
        }
    b.close()


def test_timeline_of_a_shared_entity_agrees_with_rest(keyed: Keyed) -> None:
    b, alice, bob, team, facts = shared_setup(keyed)
    graph = b.get("/v1/graph", params={"space": bob, "entity": "Acme"}).json()
    acme = next(n["id"] for n in graph["nodes"] if n["name"] == "Acme")
    rest = b.get("/v1/timeline", params={"space": bob, "entity": acme}).json()["events"]
    assert {e["fact"]["id"] for e in rest} == {facts["public"]["id"]}
    query = """query($s: String!, $e: EntityRef!) {
      timeline(space: $s, entity: $e) { kind fact { id sharedFrom { space team } } }
    }"""
    by_id = gql(b, query, s=bob, e={"id": acme})["data"]["timeline"]
    by_name = gql(b, query, s=bob, e={"name": "Acme"})["data"]["timeline"]
    assert by_id == by_name
    assert [(e["kind"].lower(), e["fact"]["id"]) for e in by_id] == [
        (e["kind"], e["fact"]["id"]) for e in rest
    ]
    assert all(e["fact"]["sharedFrom"] == {"space": alice, "team": team} for e in by_id)
    # Not shared, not own: still not found; without shared reads, not found either.
    for ref in ({"name": "Paris"}, {"id": acme}):
        variables = {"s": bob, "e": ref}
        if "id" in ref:
            query = query.replace("entity: $e)", "entity: $e, includeShared: false)")
        r = b.post("/graphql", json={"query": query, "variables": variables})
        assert r.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND", r.text
    b.close()
