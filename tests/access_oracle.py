"""A model of who may see what under keys, teams, shares and privacy, and a
hypothesis state machine that drives the real app over HTTP against it.

Used by tests/test_access_stateful.py (embedded engine, in ``make test``) and
benchmarks/access_stateful.py (more steps, either engine). Every request goes
through the app's REST or GraphQL API with the users' own member keys; the
oracle only knows what the machine did.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from typing import Any, ClassVar

import httpx
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

#: Users per example; each has one space and a member key for it.
USERS = 3
#: Entity names each space's facts use (a small pool, so graphs connect).
NAMES = ("Ada", "Bo", "Cy", "Dee")
#: Every read path the machine checks.
READS = (
    "timeline",
    "timeline",
    "graph",
    "graph",
    "gql_timeline",
    "search",
    "gql_search",
    "context",
    "own_only",
    "foreign",
)

#: Steps run by every machine of this process (all examples).
STEPS = itertools.count()
#: What the machine found wrong, across examples; the tests assert it stays empty.
LEAKS: list[str] = []
HIDDEN: list[str] = []


@dataclass
class FactRec:
    id: str
    space: str
    subject: str
    object: str
    token: str
    private: bool


@dataclass
class Share:
    id: str
    team: str
    space: str
    entity: str
    depth: int


@dataclass
class World:
    """The oracle: keys, teams, shares and facts of one example."""

    spaces: list[str]
    keys: list[str]
    revoked: list[str] = field(default_factory=list)
    teams: dict[str, set[str]] = field(default_factory=dict)
    shares: dict[str, Share] = field(default_factory=dict)
    facts: dict[str, FactRec] = field(default_factory=dict)
    invites: dict[str, tuple[str, int | None]] = field(default_factory=dict)

    def visible(self, reader: str) -> dict[str, tuple[str, str]]:
        """Fact id → (space, team) a space may read through its teams: for
        every share of another member space, the public facts around the
        entity (by name: one entity per name and space), to its depth."""
        out: dict[str, tuple[str, str]] = {}
        for team in sorted(self.teams):
            members = self.teams[team]
            if reader not in members:
                continue
            for share in self.shares.values():
                if share.team != team or share.space == reader or share.space not in members:
                    continue
                for fid in self._around(share):
                    out.setdefault(fid, (share.space, team))
        return out

    def _around(self, share: Share) -> set[str]:
        public = [f for f in self.facts.values() if f.space == share.space and not f.private]
        first = {f.id for f in public if share.entity in (f.subject, f.object)}
        if share.depth == 1:
            return first
        ends = {e for f in public if f.id in first for e in (f.subject, f.object)}
        return first | {f.id for f in public if f.subject in ends or f.object in ends}

    def own(self, space: str) -> set[str]:
        return {f.id for f in self.facts.values() if f.space == space}


class AccessMachine(RuleBasedStateMachine):
    """Random keys, teams, joins, leaves, shares, unshares, public and private
    facts, and every read path, checked against :class:`World`."""

    #: Set by the caller before running: the app and its tenant's admin key.
    url: ClassVar[str] = ""
    admin: ClassVar[str] = ""
    client: ClassVar[httpx.Client | None] = None

    def __init__(self) -> None:
        super().__init__()
        self.world = World([], [])
        self.serial = itertools.count()

    # -- plumbing ----------------------------------------------------------------

    def _http(self, key: str, method: str, path: str, **kw: Any) -> httpx.Response:
        assert self.client is not None
        headers = {"Authorization": f"Bearer {key}"}
        return self.client.request(method, path, headers=headers, **kw)

    def _as(self, user: int, method: str, path: str, **kw: Any) -> httpx.Response:
        return self._http(self.world.keys[user], method, path, **kw)

    def _new_key(self, space: str) -> str:
        body = {"role": "member", "spaces": [space], "name": "stateful"}
        r = self._http(self.admin, "POST", "/v1/keys", json=body)
        assert r.status_code == 201, r.text
        key: str = r.json()["key"]
        return key

    def _step(self) -> None:
        next(STEPS)

    # -- keys --------------------------------------------------------------------

    @initialize()
    def users(self) -> None:
        run = uuid.uuid4().hex[:8]
        self.world.spaces = [f"u{i}-{run}" for i in range(USERS)]
        self.world.keys = [self._new_key(s) for s in self.world.spaces]

    @rule(user=st.integers(0, USERS - 1))
    def revoke_and_reissue_key(self, user: int) -> None:
        self._step()
        old = self.world.keys[user]
        listed = self._http(self.admin, "GET", "/v1/keys").json()["keys"]
        space = self.world.spaces[user]
        live = [k for k in listed if k["spaces"] == [space] and not k["revoked"]]
        for k in live:
            assert self._http(self.admin, "DELETE", f"/v1/keys/{k['id']}").status_code == 200
        denied = self._http(old, "GET", "/v1/timeline", params={"space": space})
        assert denied.status_code == 401, denied.text
        self.world.revoked.append(old)
        self.world.keys[user] = self._new_key(space)

    # -- teams -------------------------------------------------------------------

    @rule(user=st.integers(0, USERS - 1))
    def create_team(self, user: int) -> None:
        self._step()
        space = self.world.spaces[user]
        r = self._as(user, "POST", "/v1/teams", json={"name": "t", "space": space})
        assert r.status_code == 201, r.text
        self.world.teams[r.json()["id"]] = {space}

    @precondition(lambda self: self.world.teams)
    @rule(data=st.data(), user=st.integers(0, USERS - 1), uses=st.sampled_from([None, 1]))
    def invite_and_join(self, data: st.DataObject, user: int, uses: int | None) -> None:
        self._step()
        team = data.draw(st.sampled_from(sorted(self.world.teams)))
        inviter = data.draw(st.integers(0, USERS - 1))
        r = self._as(inviter, "POST", f"/v1/teams/{team}/invites", json={"max_uses": uses})
        if self.world.spaces[inviter] not in self.world.teams[team]:
            assert r.status_code == 404, r.text  # a team it is not in is invisible
            return
        assert r.status_code == 201, r.text
        code = r.json()["invite_code"]
        space = self.world.spaces[user]
        body = {"invite_code": code, "space": space}
        joined_anew = space not in self.world.teams[team]
        assert self._as(user, "POST", "/v1/teams/join", json=body).status_code == 200
        self.world.teams[team].add(space)
        if uses == 1 and joined_anew:  # used up: the next join is refused
            again = self._as(user, "POST", "/v1/teams/join", json=body)
            assert again.status_code == 403, again.text

    @precondition(lambda self: self.world.teams)
    @rule(data=st.data(), user=st.integers(0, USERS - 1))
    def leave(self, data: st.DataObject, user: int) -> None:
        self._step()
        team = data.draw(st.sampled_from(sorted(self.world.teams)))
        space = self.world.spaces[user]
        r = self._as(user, "POST", f"/v1/teams/{team}/leave", json={"space": space})
        member = space in self.world.teams[team]
        assert r.status_code == (204 if member else 404), r.text
        self.world.teams[team].discard(space)
        for sid in [s.id for s in self.world.shares.values() if (s.team, s.space) == (team, space)]:
            del self.world.shares[sid]

    @precondition(lambda self: self.world.teams)
    @rule(
        data=st.data(),
        user=st.integers(0, USERS - 1),
        entity=st.sampled_from(NAMES),
        depth=st.sampled_from([1, 2]),
    )
    def share(self, data: st.DataObject, user: int, entity: str, depth: int) -> None:
        self._step()
        team = data.draw(st.sampled_from(sorted(self.world.teams)))
        space = self.world.spaces[user]
        body = {"space": space, "entity": entity, "depth": depth}
        r = self._as(user, "POST", f"/v1/teams/{team}/share", json=body)
        exists = any(
            f.space == space and entity in (f.subject, f.object) for f in self.world.facts.values()
        )
        if space not in self.world.teams[team] or not exists:
            assert r.status_code == 404, r.text
            return
        assert r.status_code == 201, r.text
        got = r.json()
        self.world.shares[got["id"]] = Share(got["id"], team, space, entity, depth)

    @precondition(lambda self: self.world.shares)
    @rule(data=st.data(), user=st.integers(0, USERS - 1))
    def unshare(self, data: st.DataObject, user: int) -> None:
        self._step()
        share = data.draw(st.sampled_from(sorted(self.world.shares)))
        s = self.world.shares[share]
        r = self._as(user, "DELETE", f"/v1/teams/{s.team}/share/{share}")
        if s.space != self.world.spaces[user]:
            assert r.status_code == 404, r.text  # only its own space's shares
            return
        assert r.status_code == 204, r.text
        del self.world.shares[share]

    # -- memory ------------------------------------------------------------------

    @rule(
        user=st.integers(0, USERS - 1),
        subject=st.sampled_from(NAMES),
        obj=st.sampled_from(NAMES),
        private=st.booleans(),
    )
    def add_fact(self, user: int, subject: str, obj: str, private: bool) -> None:
        self._step()
        if subject == obj:
            return
        n = next(self.serial)
        token = f"qx{uuid.uuid4().hex[:10]}"
        fact = {
            "subject": subject,
            "predicate": f"rel_{n}",
            "object": obj,
            "text": f"{subject} {token} {obj}",
            "private": private,
        }
        space = self.world.spaces[user]
        r = self._as(user, "POST", "/v1/facts", json={"space": space, "facts": [fact]})
        assert r.status_code == 201, r.text
        fid = r.json()["facts"][0]["id"]
        self.world.facts[fid] = FactRec(fid, space, subject, obj, token, private)

    @precondition(lambda self: self.world.facts)
    @rule(data=st.data())
    def toggle_private(self, data: st.DataObject) -> None:
        self._step()
        fid = data.draw(st.sampled_from(sorted(self.world.facts)))
        f = self.world.facts[fid]
        user = self.world.spaces.index(f.space)
        body = {"space": f.space, "private": not f.private}
        r = self._as(user, "PATCH", f"/v1/facts/{fid}", json=body)
        assert r.status_code == 200, r.text
        f.private = not f.private

    @precondition(lambda self: self.world.facts)
    @rule(data=st.data(), user=st.integers(0, USERS - 1))
    def write_elsewhere_is_refused(self, data: st.DataObject, user: int) -> None:
        self._step()
        fid = data.draw(st.sampled_from(sorted(self.world.facts)))
        f = self.world.facts[fid]
        if f.space == self.world.spaces[user]:
            return
        r = self._as(user, "PATCH", f"/v1/facts/{fid}", json={"space": f.space, "private": True})
        assert r.status_code == 403, r.text

    # -- reads -------------------------------------------------------------------

    @rule(user=st.integers(0, USERS - 1), path=st.sampled_from(READS), data=st.data())
    def read(self, user: int, path: str, data: st.DataObject) -> None:
        self._step()
        getattr(self, f"_read_{path}")(user, data)

    def _judge(self, reader: str, where: str, seen: dict[str, Any]) -> None:
        """``seen``: fact id → shared_from (None: own) a read returned."""
        visible, own = self.world.visible(reader), self.world.own(reader)
        for fid, source in seen.items():
            if fid in own:
                if source is not None:
                    LEAKS.append(f"{where}: own fact {fid} marked shared {source}")
            elif fid not in visible:
                LEAKS.append(f"{where}: {reader} saw {fid} ({self.world.facts.get(fid)})")
            elif source != {"space": visible[fid][0], "team": visible[fid][1]} and not (
                source and source["space"] == visible[fid][0]
            ):
                LEAKS.append(f"{where}: {fid} marked {source}, expected {visible[fid]}")

    def _expect_all(self, reader: str, where: str, seen: set[str], wanted: set[str]) -> None:
        for fid in wanted - seen:
            HIDDEN.append(f"{where}: {reader} did not see {fid} ({self.world.facts[fid]})")

    def _read_timeline(self, user: int, data: st.DataObject) -> None:
        space = self.world.spaces[user]
        r = self._as(user, "GET", "/v1/timeline", params={"space": space, "limit": 5000})
        assert r.status_code == 200, r.text
        seen = {e["fact"]["id"]: e["fact"]["shared_from"] for e in r.json()["events"]}
        self._judge(space, "timeline", seen)
        self._expect_all(space, "timeline", set(seen), set(self.world.visible(space)))
        self._expect_all(space, "timeline(own)", set(seen), self.world.own(space))

    def _read_gql_timeline(self, user: int, data: st.DataObject) -> None:
        space = self.world.spaces[user]
        query = """query($s: String!) {
          timeline(space: $s) { fact { id sharedFrom { space team } } } }"""
        body = self._as(user, "POST", "/graphql", json={"query": query, "variables": {"s": space}})
        got = body.json()
        assert "errors" not in got, got
        seen = {e["fact"]["id"]: e["fact"]["sharedFrom"] for e in got["data"]["timeline"]}
        self._judge(space, "graphql timeline", seen)
        self._expect_all(space, "graphql timeline", set(seen), set(self.world.visible(space)))

    def _read_graph(self, user: int, data: st.DataObject) -> None:
        space, name = self.world.spaces[user], data.draw(st.sampled_from(NAMES))
        params = {"space": space, "entity": name, "depth": 1, "limit": 500}
        r = self._as(user, "GET", "/v1/graph", params=params)
        if r.status_code == 404:
            seen: dict[str, Any] = {}
        else:
            assert r.status_code == 200, r.text
            seen = {e["id"]: e["fact"]["shared_from"] for e in r.json()["edges"]}
        self._judge(space, "graph", seen)
        visible = self.world.visible(space)
        near = {
            fid
            for fid in visible
            if name in (self.world.facts[fid].subject, self.world.facts[fid].object)
        }
        self._expect_all(space, "graph", set(seen), near)

    def _token_of(self, data: st.DataObject) -> FactRec | None:
        if not self.world.facts:
            return None
        return self.world.facts[data.draw(st.sampled_from(sorted(self.world.facts)))]

    def _search_check(self, space: str, where: str, target: FactRec, hits: dict[str, Any]) -> None:
        self._judge(space, where, hits)
        readable = target.id in self.world.visible(space) or target.id in self.world.own(space)
        if readable and target.id not in hits:
            HIDDEN.append(f"{where}: {space} did not find {target}")

    def _read_search(self, user: int, data: st.DataObject) -> None:
        space, target = self.world.spaces[user], self._token_of(data)
        if target is None:
            return
        body = {"space": space, "query": target.token, "top_k": 20}
        r = self._as(user, "POST", "/v1/search", json=body)
        assert r.status_code == 200, r.text
        hits = {h["id"]: h["shared_from"] for h in r.json()["results"] if h["kind"] == "fact"}
        self._search_check(space, "search", target, hits)

    def _read_gql_search(self, user: int, data: st.DataObject) -> None:
        space, target = self.world.spaces[user], self._token_of(data)
        if target is None:
            return
        query = """query($s: String!, $q: String!) {
          search(space: $s, query: $q, topK: 20) { kind id sharedFrom { space team } } }"""
        variables = {"s": space, "q": target.token}
        got = self._as(user, "POST", "/graphql", json={"query": query, "variables": variables})
        body = got.json()
        assert "errors" not in body, body
        hits = {h["id"]: h["sharedFrom"] for h in body["data"]["search"] if h["kind"] == "FACT"}
        self._search_check(space, "graphql search", target, hits)

    def _read_context(self, user: int, data: st.DataObject) -> None:
        space, target = self.world.spaces[user], self._token_of(data)
        if target is None:
            return
        body = {"space": space, "query": target.token, "max_items": 20}
        r = self._as(user, "POST", "/v1/context", json=body)
        assert r.status_code == 200, r.text
        hits = {h["id"]: h["shared_from"] for h in r.json()["hits"] if h["kind"] == "fact"}
        self._search_check(space, "context", target, hits)

    def _read_own_only(self, user: int, data: st.DataObject) -> None:
        space = self.world.spaces[user]
        params = {"space": space, "limit": 5000, "include_shared": "false"}
        r = self._as(user, "GET", "/v1/timeline", params=params)
        seen = {e["fact"]["id"] for e in r.json()["events"]}
        for fid in seen - self.world.own(space):
            LEAKS.append(f"include_shared=false: {space} saw {fid}")

    def _read_foreign(self, user: int, data: st.DataObject) -> None:
        others = [s for s in self.world.spaces if s != self.world.spaces[user]]
        other = data.draw(st.sampled_from(others))
        r = self._as(user, "GET", "/v1/timeline", params={"space": other})
        assert r.status_code == 403, r.text
        for old in self.world.revoked[-2:]:
            assert self._http(old, "GET", "/v1/teams").status_code == 401

    @invariant()
    def nothing_wrong(self) -> None:
        assert not LEAKS, LEAKS[:5]
        assert not HIDDEN, HIDDEN[:5]

    def teardown(self) -> None:
        # Each example works in spaces of its own. Search cost grows with the
        # tenant's data, so without this the 10,000th step cost several times
        # the first; deleting them keeps every example on a store of one
        # example's size. A failed delete is not an access question: ignore it.
        for space in self.world.spaces:
            self._http(self.admin, "DELETE", f"/v1/spaces/{space}")


def run_machine(url: str, admin: str, steps: int, step_count: int = 50) -> int:
    """Run :class:`AccessMachine` against the app at ``url`` (``admin``: an
    admin key of a tenant of its own) until at least ``steps`` steps ran in
    this process; returns the steps run by this call.

    Raises:
        AssertionError: a request answered what the model does not allow, or
            the oracle found a leak or a wrongly hidden shared fact.
    """
    from hypothesis import HealthCheck, settings
    from hypothesis.stateful import run_state_machine_as_test

    AccessMachine.url, AccessMachine.admin = url, admin
    start = next(STEPS)
    config = settings(
        max_examples=20,
        stateful_step_count=step_count,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    with httpx.Client(base_url=url, timeout=120) as client:
        AccessMachine.client = client
        try:
            while next(STEPS) - start < steps:
                run_state_machine_as_test(AccessMachine, settings=config)
        finally:
            AccessMachine.client = None
    return next(STEPS) - start
