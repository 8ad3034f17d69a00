"""Schemathesis over the OpenAPI document of the real app served over HTTP.

Every REST operation gets up to :data:`MAX_EXAMPLES` generated requests; each
answer must not be a server error (5xx) and must conform to the document:
a documented status, content type, headers and body schema. GraphQL has its
own tests (``tests/test_graphql_*.py``) and is left out here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from kenning.api.app import create_app
from kenning.config import load_settings
from tests.conftest import serve
from tests.llm_chat_stand_in import chat_stand_in

#: Generated requests per operation (bounded so the module runs in about a minute).
MAX_EXAMPLES = 25
#: Bound on one example (request and checks) against a hang; not a speed target.
DEADLINE = timedelta(seconds=30)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

#: Examples run per operation, printed at the end of the module (``pytest -s``).
RUN: Counter[str] = Counter()


@pytest.fixture(scope="module")
def fuzzed_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An app of its own, so the episodes schemathesis posts do not queue up
    behind the other tests' ingests; it stops (with its worker) afterwards.
    Its chat proxy forwards to the stand-in OpenAI server (recorded answers):
    without a provider, a valid chat body is rightly a 503."""
    data_dir: Path = tmp_path_factory.mktemp("schemathesis")
    provider, _ = chat_stand_in()
    with serve(load_settings(), app=provider) as provider_url:
        settings = load_settings(
            data_dir=data_dir,
            proxy_provider="openai",
            proxy_base_url=f"{provider_url}/v1",
            proxy_api_key="sk-stand-in",
        )
        with serve(settings) as url:
            yield url
    total = sum(RUN.values())
    print(f"\nschemathesis: {len(RUN)} operations, {total} examples")


# The document the served app answers at /openapi.json (the same code builds
# it; test_openapi_is_the_served_one checks), read at collection so each
# operation is a test of its own. schemathesis.pytest.from_fixture would read
# it from the server, but it needs pytest < 9 (it sets Function._nodeid).
# Generated requests (fuzzing phase, valid and invalid data, NUL included)
# bounded by MAX_EXAMPLES; the coverage phase (hundreds of boundary cases per
# operation) would take several minutes on two cores. The import takes an
# NDJSON stream, which schemathesis cannot generate; tests/test_portable.py
# sends it good, bad, truncated and conflicting files.
CONFIG = SchemathesisConfig.from_dict({"phases": {"coverage": {"enabled": False}}})
schema = schemathesis.openapi.from_dict(
    create_app(load_settings()).openapi(), config=CONFIG
).exclude(path=["/graphql", "/v1/spaces/{space}/import"])
# A key created in the development tenant ends development mode for this app
# (callers then need a key), so creating keys is left to tests/test_access_keys.py.
schema = schema.exclude(method="POST", path="/v1/keys")


def test_openapi_is_the_served_one(fuzzed_url: str) -> None:
    served = httpx.get(f"{fuzzed_url}/openapi.json").json()
    assert served == create_app(load_settings()).openapi()


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=DEADLINE,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_every_operation_conforms_and_never_fails(case: schemathesis.Case, fuzzed_url: str) -> None:
    RUN[case.operation.label] += 1
    case.call_and_validate(base_url=fuzzed_url, checks=CHECKS, timeout=DEADLINE.total_seconds())
