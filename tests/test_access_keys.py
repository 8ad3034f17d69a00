"""Managed API keys over real HTTP, on both engines: the lifecycle (shown
once, listed without secrets, revoked or rotated → 401 on the next request,
expiry), member keys confined to their spaces in REST and GraphQL, spaces
claimed by a first write, per-key rate limits (429 + Retry-After), Cypher
injection through the key endpoints' strings, and the CLI writing the first
admin key to the store directly.

Every app works in a tenant of its own (the Neo4j database is shared by the
session), and in tenant ``default`` nothing changes: it has no key, so the
session's other apps stay in development mode.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from typer.testing import CliRunner

from kenning.cli import app as cli
from tests.conftest import ENGINES, serve, settings_on

#: Requests a member key may make per minute in the keyed app.
MEMBER_LIMIT = 40


@dataclass
class Keyed:
    """An app whose tenant has the bootstrap admin key."""

    url: str
    tenant: str
    admin: str

    def client(self, key: str | None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60)

    def new_key(self, **body: Any) -> dict[str, Any]:
        with self.client(self.admin) as admin:
            answer = admin.post("/v1/keys", json=body)
        assert answer.status_code == 201, answer.text
        created: dict[str, Any] = answer.json()
        return created


def _space(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module", params=ENGINES)
def keyed(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Keyed]:
    tenant = _space("keys")
    boot = "boot-" + uuid.uuid4().hex + uuid.uuid4().hex
    settings = settings_on(
        request.param,
        tmp_path_factory.mktemp("keys"),
        request,
        bootstrap_admin_key=boot,
        bootstrap_tenant=tenant,
        require_keys=True,
        rate_limit_member=f"{MEMBER_LIMIT}/minute",
        rate_limit_admin="",
    )
    with serve(settings) as url:
        app = Keyed(url, tenant, boot)
        # The bootstrap key is stored once the store has opened.
        deadline = time.monotonic() + 120
        with app.client(boot) as admin:
            while admin.get("/v1/keys").status_code != 200:
                assert time.monotonic() < deadline, "bootstrap key never became usable"
                time.sleep(0.2)
            # A cold Neo4j plans each query on its first run, which may take
            # longer than a write's timeout (503): warm the write path first.
            while admin.post("/v1/facts", json=_fact("warm-up")).status_code == 503:
                assert time.monotonic() < deadline, "writes never succeeded"
                time.sleep(0.5)
        yield app


def _fact(space: str, subject: str = "Ann") -> dict[str, Any]:
    return {"space": space, "facts": [{"subject": subject, "predicate": "likes", "object": "tea"}]}


def _error(answer: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    error: dict[str, Any] = answer.json()["error"]
    assert error["code"] == code
    return error


def test_a_key_is_shown_once_listed_without_secrets_and_revoked_at_once(keyed: Keyed) -> None:
    space = _space("life")
    created = keyed.new_key(name="ann's laptop", spaces=[space])
    secret, key_id = created["key"], created["id"]
    assert secret.startswith("kn_")  # 256 random bits
    assert len(secret) >= 46
    assert created["role"] == "member"
    assert created["spaces"] == [space]
    with keyed.client(secret) as member:
        assert member.post("/v1/facts", json=_fact(space)).status_code == 201
        assert member.get("/v1/facts", params={"space": space}).json()["items"]
    with keyed.client(keyed.admin) as admin:
        listing = admin.get("/v1/keys")
        assert listing.status_code == 200
        assert secret not in listing.text
        mine = next(k for k in listing.json()["keys"] if k["id"] == key_id)
        assert "key" not in mine
        assert "hash" not in mine
        assert mine["name"] == "ann's laptop"
        assert mine["revoked"] is False
        assert mine["last_used_at"] is not None
        revoked = admin.delete(f"/v1/keys/{key_id}")
        assert revoked.status_code == 200
        assert revoked.json()["revoked"] is True
        # Safe to repeat; an unknown id is 404.
        assert admin.delete(f"/v1/keys/{key_id}").status_code == 200
        _error(admin.delete("/v1/keys/key_0000000000000000000000000000"), 404, "not_found")
    with keyed.client(secret) as member:
        answer = member.get("/v1/facts", params={"space": space})
        _error(answer, 401, "unauthorized")
        assert answer.headers["www-authenticate"] == "Bearer"


def test_missing_or_unknown_keys_get_401(keyed: Keyed) -> None:
    with keyed.client(None) as anonymous:
        _error(anonymous.get("/v1/stats"), 401, "unauthorized")
        assert anonymous.post("/graphql", json={"query": "{ spaces { id } }"}).status_code == 401
    with keyed.client("kn_" + "A" * 43) as unknown:
        _error(unknown.get("/v1/stats"), 401, "unauthorized")


def test_rotate_gives_a_new_secret_and_the_old_one_stops(keyed: Keyed) -> None:
    space = _space("rot")
    created = keyed.new_key(spaces=[space])
    with keyed.client(keyed.admin) as admin:
        rotated = admin.post(f"/v1/keys/{created['id']}/rotate")
    assert rotated.status_code == 200, rotated.text
    body = rotated.json()
    assert body["id"] == created["id"]
    assert body["spaces"] == [space]
    assert body["key"] != created["key"]
    with keyed.client(created["key"]) as old:
        _error(old.get("/v1/facts", params={"space": space}), 401, "unauthorized")
    with keyed.client(body["key"]) as new:
        assert new.get("/v1/facts", params={"space": space}).status_code == 200
    with keyed.client(keyed.admin) as admin:
        admin.delete(f"/v1/keys/{created['id']}")
        _error(admin.post(f"/v1/keys/{created['id']}/rotate"), 404, "not_found")


def test_an_expired_key_is_refused(keyed: Keyed) -> None:
    space = _space("exp")
    expires = datetime.now(UTC) + timedelta(seconds=4)
    created = keyed.new_key(spaces=[space], expires_at=expires.isoformat())
    with keyed.client(created["key"]) as member:
        answer = member.get("/v1/facts", params={"space": space})
        if datetime.now(UTC) < expires - timedelta(seconds=1):  # a busy machine may be late
            assert answer.status_code == 200
        time.sleep(max(0.0, (expires - datetime.now(UTC)).total_seconds()) + 0.2)
        _error(member.get("/v1/facts", params={"space": space}), 401, "unauthorized")
    with keyed.client(keyed.admin) as admin:
        past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
        error = _error(admin.post("/v1/keys", json={"expires_at": past}), 422, "invalid_input")
        assert error["field"] == "expires_at"


def test_member_keys_are_confined_to_their_spaces_over_rest(keyed: Keyed) -> None:
    mine, theirs, fresh = _space("mine"), _space("theirs"), _space("fresh")
    with keyed.client(keyed.admin) as admin:
        assert admin.post("/v1/facts", json=_fact(theirs, "Bob")).status_code == 201
    member = keyed.new_key(spaces=[mine])
    with keyed.client(member["key"]) as client:
        assert client.post("/v1/facts", json=_fact(mine)).status_code == 201
        refused = [
            client.post("/v1/search", json={"space": theirs, "query": "tea"}),
            client.post("/v1/context", json={"space": theirs, "query": "tea"}),
            client.get("/v1/facts", params={"space": theirs}),
            client.get("/v1/entities", params={"space": theirs}),
            client.get("/v1/timeline", params={"space": theirs}),
            client.get("/v1/graph", params={"space": theirs}),
            client.get("/v1/insights", params={"space": theirs}),
            client.get("/v1/agents/runs", params={"space": theirs}),
            client.get(f"/v1/spaces/{theirs}/export"),
            client.post("/v1/facts", json=_fact(theirs)),  # held: not claimable
            client.post("/v1/episodes", json={"space": theirs, "episodes": [{"content": "hi"}]}),
            client.delete(f"/v1/spaces/{theirs}"),
        ]
        for answer in refused:
            error = _error(answer, 403, "forbidden")
            assert error["field"] == "space"
        # Keys are an admin's business.
        _error(client.get("/v1/keys"), 403, "forbidden")
        _error(client.post("/v1/keys", json={"role": "admin"}), 403, "forbidden")
        # A space nobody holds is claimed by the first write, then readable.
        assert client.post("/v1/facts", json=_fact(fresh)).status_code == 201
        assert client.get("/v1/facts", params={"space": fresh}).json()["items"]
        spaces = {s["space"] for s in client.get("/v1/stats").json()["spaces"]}
        assert spaces == {mine, fresh}
    # Nothing of "theirs" changed, and another member cannot take "fresh".
    with keyed.client(keyed.admin) as admin:
        facts = admin.get("/v1/facts", params={"space": theirs}).json()["items"]
        assert [f["subject"] for f in facts] == ["Bob"]
        listed = {k["id"]: k for k in admin.get("/v1/keys").json()["keys"]}
        assert set(listed[member["id"]]["spaces"]) == {mine, fresh}
        all_spaces = {s["space"] for s in admin.get("/v1/stats").json()["spaces"]}
        assert {mine, theirs, fresh} <= all_spaces
    other = keyed.new_key()
    with keyed.client(other["key"]) as client:
        _error(client.post("/v1/facts", json=_fact(fresh)), 403, "forbidden")


def _gql(client: httpx.Client, query: str, **variables: Any) -> dict[str, Any]:
    answer = client.post("/graphql", json={"query": query, "variables": variables})
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_member_keys_are_confined_to_their_spaces_over_graphql(keyed: Keyed) -> None:
    mine, theirs = _space("gmine"), _space("gtheirs")
    with keyed.client(keyed.admin) as admin:
        assert admin.post("/v1/facts", json=_fact(theirs, "Bob")).status_code == 201
    member = keyed.new_key(spaces=[mine])
    read = "query($s: String!) { entities(space: $s) { nodes { name } } }"
    write = """mutation($s: String!) {
      addFacts(space: $s, facts: [{subject: "Ann", predicate: "likes", object: "tea"}]) { id }
    }"""
    with keyed.client(member["key"]) as client:
        assert _gql(client, write, s=mine)["data"]["addFacts"]
        names = _gql(client, read, s=mine)["data"]["entities"]["nodes"]
        assert {n["name"] for n in names} == {"Ann", "tea"}
        for query in (read, write):
            body = _gql(client, query, s=theirs)
            assert body["data"] is None
            error = body["errors"][0]["extensions"]
            assert error["code"] == "FORBIDDEN"
            assert error["field"] == "space"
        spaces = _gql(client, "{ spaces { id } }")["data"]["spaces"]
        assert [s["id"] for s in spaces] == [mine]
    with keyed.client(keyed.admin) as admin:
        names = _gql(admin, read, s=theirs)["data"]["entities"]["nodes"]
        assert {n["name"] for n in names} == {"Bob", "tea"}


def test_a_key_over_its_rate_limit_gets_429_with_retry_after(keyed: Keyed) -> None:
    space = _space("rate")
    member = keyed.new_key(spaces=[space])
    with keyed.client(member["key"]) as client:
        answers = [client.get("/v1/stats") for _ in range(MEMBER_LIMIT + 1)]
    assert [a.status_code for a in answers[:MEMBER_LIMIT]] == [200] * MEMBER_LIMIT
    error = _error(answers[-1], 429, "rate_limited")
    assert "rate limit" in error["message"]
    assert 1 <= int(answers[-1].headers["retry-after"]) <= 60
    # Another key has a window of its own; the admin role is unlimited here.
    other = keyed.new_key(spaces=[space])
    with keyed.client(other["key"]) as client:
        assert client.get("/v1/stats").status_code == 200


INJECTIONS = [
    "x'}) MATCH (n) DETACH DELETE n //",
    '"}) MATCH (k:ApiKey) SET k.role = "admin" RETURN k //',
    "$tenant",
    "` DETACH DELETE n //",
    "\\'; CALL db.clearQueryCaches() //",
    "ключ 🔑 {role: 'admin'}",
]


def test_cypher_injection_through_key_fields_changes_nothing(keyed: Keyed) -> None:
    space = _space("inj")
    with keyed.client(keyed.admin) as admin:
        assert admin.post("/v1/facts", json=_fact(space)).status_code == 201
        before = admin.get("/v1/keys").json()["keys"]
        facts_before = admin.get("/v1/facts", params={"space": space}).json()["items"]
        made = []
        for text in INJECTIONS:
            answer = admin.post("/v1/keys", json={"name": text, "spaces": [space]})
            assert answer.status_code == 201, answer.text
            assert answer.json()["name"] == text
            assert answer.json()["role"] == "member"
            made.append(answer.json()["id"])
            # Not a space id: refused by its pattern, nothing stored.
            bad = admin.post("/v1/keys", json={"name": "n", "spaces": [text]})
            _error(bad, 422, "invalid_input")
            quoted = quote(text, safe="")
            for method, path in (
                ("DELETE", f"/v1/keys/{quoted}"),
                ("POST", f"/v1/keys/{quoted}/rotate"),
            ):
                answer = admin.request(method, path)
                # 422: not an id; 307: a payload ending in "/" is redirected.
                assert answer.status_code in (307, 404, 422), answer.text
            _error(admin.post("/v1/keys", json={"name": "n", "role": text}), 422, "invalid_input")
        after = admin.get("/v1/keys").json()["keys"]
        assert len(after) == len(before) + len(INJECTIONS)
        assert {k["id"] for k in after} == {k["id"] for k in before} | set(made)
        assert all(k["role"] == "member" for k in after if k["id"] in made)
        assert admin.get("/v1/facts", params={"space": space}).json()["items"] == facts_before


@pytest.mark.parametrize("engine", ENGINES)
def test_cli_writes_the_first_admin_key_to_the_store(
    engine: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    tenant = _space("cli")
    settings = settings_on(engine, tmp_path / "data", request)
    env = {
        f"KENNING_{name.upper()}": str(value)
        for name, value in settings.model_dump().items()
        if name in ("data_dir", "graph_url", "neo4j_user", "neo4j_password")
    }
    runner = CliRunner()
    made = runner.invoke(
        cli, ["keys", "create", "--admin", "--tenant", tenant, "--name", "ops"], env=env
    )
    assert made.exit_code == 0, made.output
    secret = made.output.strip().splitlines()[-1]
    assert secret.startswith("kn_")
    listed = runner.invoke(cli, ["keys", "list", "--tenant", tenant], env=env)
    assert listed.exit_code == 0, listed.output
    assert "ops" in listed.output
    assert secret not in listed.output
    with serve(settings) as url, httpx.Client(base_url=url, timeout=60) as client:
        keys = client.get("/v1/keys", headers={"Authorization": f"Bearer {secret}"})
        assert keys.status_code == 200, keys.text
        assert [k["role"] for k in keys.json()["keys"]] == ["admin"]
    key_id = keys.json()["keys"][0]["id"]
    gone = runner.invoke(cli, ["keys", "revoke", key_id, "--tenant", tenant], env=env)
    assert gone.exit_code == 0, gone.output
    bad = runner.invoke(cli, ["keys", "create", "--tenant", "no spaces allowed"], env=env)
    assert bad.exit_code == 2
