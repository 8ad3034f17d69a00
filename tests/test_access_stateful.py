"""Isolation, property-based: a hypothesis state machine drives member keys
(creation, revocation), teams, invites, joins, leaves, shares, unshares,
public and private facts and every read path (REST timeline, graph, search,
context; GraphQL timeline and search) of one served app on the embedded
engine, against an oracle of who may see what (tests/access_oracle.py).

At least :data:`STEPS` generated steps; zero leaks and zero wrongly hidden
shared facts. benchmarks/access_stateful.py runs more, on either engine.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from tests import access_oracle
from tests.conftest import serve, settings_on

#: Generated steps in ``make test`` (KENNING_TEST_ACCESS_STEPS overrides it
#: for a quick local run).
STEPS = int(os.environ.get("KENNING_TEST_ACCESS_STEPS", "10000"))


@dataclass
class App:
    url: str
    admin: str


@pytest.fixture(scope="module")
def keyed_app(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[App]:
    """One app for the whole test: a tenant of its own with a bootstrap
    admin key, no rate limits (the machine is fast on purpose)."""
    tenant = f"stateful-{uuid.uuid4().hex[:8]}"
    boot = "boot-" + uuid.uuid4().hex + uuid.uuid4().hex
    settings = settings_on(
        "falkordb",
        tmp_path_factory.mktemp("stateful"),
        request,
        bootstrap_admin_key=boot,
        bootstrap_tenant=tenant,
        require_keys=True,
        rate_limit_member="",
        rate_limit_admin="",
    )
    with serve(settings) as url:
        deadline = time.monotonic() + 120
        headers = {"Authorization": f"Bearer {boot}"}
        while httpx.get(url + "/v1/keys", headers=headers).status_code != 200:
            assert time.monotonic() < deadline, "bootstrap key never became usable"
            time.sleep(0.2)
        yield App(url, boot)


def test_no_leak_and_nothing_wrongly_hidden(keyed_app: App) -> None:
    ran = access_oracle.run_machine(keyed_app.url, keyed_app.admin, STEPS)
    print(
        f"stateful access: {ran} steps, leaks {len(access_oracle.LEAKS)}, "
        f"wrongly hidden {len(access_oracle.HIDDEN)}"
    )
    assert ran >= STEPS
    assert access_oracle.LEAKS == []
    assert access_oracle.HIDDEN == []
