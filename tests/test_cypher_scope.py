"""Every query in ``cypher/`` filters by tenant and by space, so a query that
forgets the filter fails the suite (issue 12).

The check is static, over the text of every ``.cypher`` file (whole-line
``//`` comments dropped), and over each branch of a ``UNION`` on its own:

* **tenant**: the query matches ``tenant: $tenant``, ``x.tenant = $tenant``
  or ``$tenant = x.tenant``; naming ``$tenant`` alone (``RETURN $tenant``)
  does not count;
* **space**: likewise ``space: $space``, ``x.space = $space`` or
  ``x.space IN $spaces``.

A few queries are wider on purpose; each is listed below with why, and with
what bounds it instead. A new query belongs on a list only with a reason a
reviewer accepts.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CYPHER = Path(__file__).resolve().parents[1] / "cypher"

_TENANT = re.compile(
    r"\btenant\s*:\s*\$tenant\b|\.tenant\s*=\s*\$tenant\b|\$tenant\s*=\s*\w+\.tenant\b"
)
_SPACE = re.compile(
    r"\bspace\s*:\s*\$space\b|\.space\s*=\s*\$space\b|\$space\s*=\s*\w+\.space\b"
    r"|\.space\s+IN\s+\$spaces\b"
)
_UNION = re.compile(r"^\s*UNION(\s+ALL)?\s*$", re.MULTILINE | re.IGNORECASE)

#: Queries with no tenant filter at all: operations across tenants.
TENANT_FREE: dict[str, str] = {
    "ping": "a round trip, reads nothing",
    "schema": "DDL: constraints and indexes",
    "await_indexes": "DDL: waits for indexes to come online",
    "ingest_queue": "episode counts per status across tenants, for /metrics (operator only)",
    "claim_episodes": "the ingest worker claims pending episodes of its KENNING_WORKER_TENANTS "
    "(all when empty) and carries each episode's own tenant and space from then on",
    "agents/runs_active_spaces": "the agent scheduler's work list across tenants; each run "
    "then works in the (tenant, space) it was given",
    "agents/runs_last_finished": "the agent scheduler's view across tenants (as above)",
    "webhooks/unreported_jobs": "the webhook sweep's work list of owed job events across "
    "KENNING_WORKER_TENANTS (all when empty); each is then published in its own tenant and space",
    "webhooks/claim": "the delivery worker claims due outbox rows of its KENNING_WORKER_TENANTS "
    "(all when empty); each row carries its own tenant and is sent to its own webhook",
    "access/keys_by_hash": "finds the caller's key by the hash of its 256-bit secret: the "
    "secret is what tells the tenant",
}

#: Queries filtered by tenant but not by space: tenant-level objects, or a
#: lookup by an id unique in the tenant whose space the caller checks.
TENANT_WIDE: dict[str, str] = {
    "list_spaces": "lists the tenant's spaces; the API keeps those the key may read",
    "get_job": "a job by id (unique per tenant); the API checks the job's space",
    "retry_failed_episodes": "a job's episodes; the API checks the job's space first",
    "fail_episodes": "the worker marks episodes it claimed, by id",
    "portable_ids_entity": "import with kept ids: ids are unique per tenant, so a clash "
    "anywhere in the tenant must be found",
    "portable_ids_episode": "as portable_ids_entity",
    "portable_ids_fact": "as portable_ids_entity",
    "access/keys_create": "API keys belong to a tenant, not a space",
    "access/keys_list": "API keys belong to a tenant",
    "access/keys_revoke": "API keys belong to a tenant",
    "access/keys_rotate": "API keys belong to a tenant",
    "access/keys_touch": "API keys belong to a tenant",
    "access/keys_exist": "API keys belong to a tenant",
    "access/keys_live_admins": "API keys belong to a tenant",
    "access/keys_add_space": "records a space on a key of the tenant",
    # Teams (access-teams): teams and invites belong to a tenant; the API
    # checks that the caller may write the space it names.
    "access/teams_create": "a team of the tenant; its first member space is $space",
    "access/teams_get": "a team of the tenant by id, with its member spaces",
    "access/teams_shares": "a team's shares; each names its space and entity",
    "access/teams_add_member": "an admin adds space $space ((:Space {id: $space}))",
    "access/teams_invite_create": "invites belong to a team of the tenant",
    "access/teams_invite_revoke": "invites belong to a team of the tenant",
    "access/teams_join": "space $space ((:Space {id: $space})) joins by an invite's hash",
    "webhooks/create": "webhooks belong to a tenant (admin keys only); `spaces` narrows its events",
    "webhooks/delete": "a webhook of the tenant and its outbox rows",
    "webhooks/get": "a webhook of the tenant by id",
    "webhooks/list": "the tenant's webhooks",
    "webhooks/deliveries": "the outbox rows of one webhook of the tenant",
    "webhooks/listening": "counts the tenant's webhooks for an event; $space is matched "
    "against each webhook's `spaces` list, not a node's space",
    "webhooks/record_attempt": "an outbox row by id, held by this worker's lease",
    "access/shared_scope": "the reader's space is (:Space {id: $space}); facts are "
    "filtered by the sharing space of each share (f.space = sh.space), never $space's own",
}


def query_name(path: Path) -> str:
    """``cypher/<dialect>/agents/runs_get.cypher`` → ``agents/runs_get``."""
    relative = path.relative_to(CYPHER)
    return "/".join(relative.with_suffix("").parts[1:])


def problems(text: str) -> list[str]:
    """What a query's text lacks: ``tenant`` and/or ``space`` filters, per
    ``UNION`` branch (the first branch is 1)."""
    body = "\n".join(line for line in text.splitlines() if not line.strip().startswith("//"))
    found = []
    for n, branch in enumerate(_UNION.split(body)[::2], start=1):
        if not _TENANT.search(branch):
            found.append(f"branch {n}: tenant")
        if not _SPACE.search(branch):
            found.append(f"branch {n}: space")
    return found


FILES = sorted(CYPHER.rglob("*.cypher"))


def test_every_dialect_folder_is_checked() -> None:
    assert {p.relative_to(CYPHER).parts[0] for p in FILES} == {"common", "neo4j", "falkordb"}
    assert len(FILES) > 100


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(CYPHER)))
def test_query_filters_by_tenant_and_space(path: Path) -> None:
    name = query_name(path)
    missing = problems(path.read_text())
    if name in TENANT_FREE:
        return
    if name in TENANT_WIDE:
        missing = [m for m in missing if not m.endswith("space")]
    assert not missing, (
        f"{path.relative_to(CYPHER)} lacks a filter ({', '.join(missing)}): add "
        "`tenant: $tenant` / `space: $space` (or `x.space IN $spaces`), or list it in "
        "tests/test_cypher_scope.py with the reason it may be wider"
    )


def test_allow_lists_name_existing_queries() -> None:
    # A stale entry would silently exempt a future query of the same name.
    names = {query_name(p) for p in FILES}
    assert set(TENANT_FREE) <= names
    assert set(TENANT_WIDE) <= names
    assert not set(TENANT_FREE) & set(TENANT_WIDE)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("MATCH (e:Episode) RETURN e.id AS id", ["branch 1: tenant", "branch 1: space"]),
        ("MATCH (e:Episode {space: $space}) RETURN $tenant AS t", ["branch 1: tenant"]),
        ("MATCH (e:Episode {tenant: $tenant}) RETURN $space AS s", ["branch 1: space"]),
        (
            "MATCH (e:Episode {tenant: $tenant, space: $space}) RETURN e.id AS id\n"
            "UNION\nMATCH (n:Entity) RETURN n.id AS id",
            ["branch 2: tenant", "branch 2: space"],
        ),
        # A filter only in a comment is no filter.
        (
            "// tenant: $tenant, space: $space\nMATCH (e:Episode) RETURN e",
            ["branch 1: tenant", "branch 1: space"],
        ),
        ("MATCH ()-[f:FACT]->() WHERE f.tenant = $tenant AND f.space IN $spaces RETURN f", []),
        ("MATCH (e:Episode {tenant: $tenant, space: $space}) RETURN e", []),
    ],
)
def test_the_check_catches_a_forgotten_filter(text: str, expected: list[str]) -> None:
    assert problems(text) == expected
