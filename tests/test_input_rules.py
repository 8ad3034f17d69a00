"""Input rules over HTTP against the real app: every failure of issue 9's
"500s on bad input", "No size limits", "empty tenant" and "Schema drift"
bullets, each answered with a 4xx naming the field (never a 500 or store text)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from kenning.api.app import create_app
from kenning.config import Settings, load_settings
from kenning.domain.rules import QUERY_MAX_CHARS, InputLimits
from kenning.errors import ConfigError, StoreError
from tests.conftest import serve

ROOT = Path(__file__).resolve().parents[1]
OVERFLOW = "9999-12-31T23:30:00-01:00"  # year 10000 in UTC
UNDERFLOW = "0001-01-01T00:30:00+01:00"  # year 0 in UTC
LIMITS = InputLimits()
#: What leaked before: FalkorDB's parser error text.
STORE_TEXT = ("errMsg", "FalkorDB", "Invalid input", "query failed")


def space() -> str:
    return f"in-{uuid.uuid4().hex[:10]}"


def refused(response: httpx.Response, field: str, status: int = 422) -> dict[str, Any]:
    """The error of a refused request, checked for status, field and no leak."""
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["field"] == field, error
    assert not any(text in response.text for text in STORE_TEXT), response.text
    return error


def fact(**extra: Any) -> dict[str, Any]:
    return {"subject": "Ann", "predicate": "likes", "object": "tea", **extra}


# -- 500s on bad input: instants -------------------------------------------------


@pytest.mark.parametrize("instant", [OVERFLOW, UNDERFLOW])
def test_an_instant_past_the_range_in_utc_is_422_naming_the_range(
    api: httpx.Client, instant: str
) -> None:
    body = {"space": space(), "episodes": [{"content": "hi", "occurred_at": instant}]}
    error = refused(api.post("/v1/episodes", json=body), "episodes.0.occurred_at")
    assert "0001-01-01" in error["message"]
    assert "9999-12-31" in error["message"]
    body = {"space": space(), "facts": [fact(valid_from=instant)]}
    refused(api.post("/v1/facts", json=body), "facts.0.valid_from")
    refused(api.get("/v1/facts", params={"space": "x", "as_of": instant}), "as_of")
    refused(
        api.post("/v1/search", json={"space": "x", "query": "q", "known_at": instant}), "known_at"
    )
    refused(api.get("/v1/timeline", params={"space": "x", "start": instant}), "start")


def test_a_graphql_instant_past_the_range_is_bad_user_input(api: httpx.Client) -> None:
    query = '{ facts(space: "x", asOf: "OVERFLOW") { nodes { id } } }'.replace("OVERFLOW", OVERFLOW)
    body = api.post("/graphql", json={"query": query}).json()
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body
    assert body["errors"][0]["extensions"]["field"] == "asOf"


@pytest.mark.parametrize("length", [0, QUERY_MAX_CHARS + 1])
def test_a_graphql_search_query_outside_its_length_is_bad_user_input(
    api: httpx.Client, length: int
) -> None:
    query = 'query($q: String!) { search(space: "x", query: $q) { id } }'
    body = api.post("/graphql", json={"query": query, "variables": {"q": "q" * length}}).json()
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body
    assert body["errors"][0]["extensions"]["field"] == "query"
    assert str(QUERY_MAX_CHARS) in body["errors"][0]["message"]


# -- 500s on bad input: NUL and lone surrogates ----------------------------------

NUL_BODIES = [
    ("/v1/episodes", {"episodes": [{"content": "a\x00b"}]}, "episodes.0.content"),
    ("/v1/episodes", {"episodes": [{"content": "hi", "speaker": "\x00"}]}, "episodes.0.speaker"),
    (
        "/v1/episodes",
        {"episodes": [{"content": "hi", "metadata": {"k\x00": 1}}]},
        "episodes.0.metadata",
    ),
    (
        "/v1/episodes",
        {"episodes": [{"content": "hi", "metadata": {"k": "\x00"}}]},
        "episodes.0.metadata",
    ),
    (
        "/v1/episodes",
        {"episodes": [{"content": "hi", "idempotency_key": "k\x00"}]},
        "episodes.0.idempotency_key",
    ),
    ("/v1/facts", {"facts": [fact(subject="A\x00")]}, "facts.0.subject"),
    ("/v1/facts", {"facts": [fact(text="t\x00")]}, "facts.0.text"),
    ("/v1/facts", {"facts": [fact(object_type="T\x00")]}, "facts.0.object_type"),
    ("/v1/search", {"query": "tea\x00"}, "query"),
    ("/v1/context", {"query": "tea\x00"}, "query"),
]


@pytest.mark.parametrize(("path", "body", "field"), NUL_BODIES)
def test_a_nul_in_any_body_string_is_422_naming_the_field(
    api: httpx.Client, path: str, body: dict[str, Any], field: str
) -> None:
    error = refused(api.post(path, json={"space": space(), **body}), field)
    assert "NUL" in error["message"]


def test_a_nul_in_a_query_or_path_parameter_is_422(api: httpx.Client) -> None:
    refused(api.get("/v1/graph", params={"space": "x", "entity": "A\x00"}), "entity")
    refused(api.get("/v1/timeline", params={"space": "x", "predicate": "\x00"}), "predicate")
    refused(api.get("/v1/facts", params={"space": "x\x00"}), "space")
    refused(api.delete("/v1/facts/fa_1%00", params={"space": "x"}), "fact_id")


def test_a_lone_surrogate_in_fact_text_is_422(api: httpx.Client) -> None:
    # JSON may carry \ud800; Python reads it into a str UTF-8 cannot encode.
    raw = json.dumps({"space": space(), "facts": [fact(text="x")]}).replace('"x"', '"x\\ud800"')
    response = api.post("/v1/facts", content=raw, headers={"content-type": "application/json"})
    error = refused(response, "facts.0.text")
    assert "surrogate" in error["message"]
    raw = json.dumps({"space": "x", "episodes": [{"content": "hi", "metadata": {"k": 1}}]})
    raw = raw.replace('"k"', '"\\udfff"')
    response = api.post("/v1/episodes", content=raw, headers={"content-type": "application/json"})
    assert "surrogate" in refused(response, "episodes.0.metadata")["message"]


def test_patch_and_invalidate_refuse_a_nul(api: httpx.Client) -> None:
    refused(api.patch("/v1/facts/fa_1", json={"space": "x", "text": "a\x00"}), "text")
    refused(api.post("/v1/facts/fa_1/invalidate", json={"space": "x", "reason": "\x00"}), "reason")


def test_graphql_refuses_nul_in_literals_and_variables(api: httpx.Client) -> None:
    literal = '{ search(space: "x", query: "a\\u0000b") { id } }'
    body = api.post("/graphql", json={"query": literal}).json()
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert body["errors"][0]["extensions"]["field"] == "query"
    query = 'query($q: String!) { search(space: "x", query: $q) { id } }'
    response = api.post("/graphql", json={"query": query, "variables": {"q": "a\x00"}})
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["extensions"] == {
        "code": "BAD_USER_INPUT",
        "field": "variables.q",
        "request_id": response.headers["x-request-id"],
    }


# -- 500s on bad input: GraphQL variables ----------------------------------------


def test_graphql_variables_nested_100k_deep_are_refused_quickly(api: httpx.Client) -> None:
    query = "query($m: JSON) { spaces { id } }"
    nested = "[" * 100_000 + "]" * 100_000
    deep = f'{{"query": {json.dumps(query)}, "variables": {{"m": {nested}}}}}'
    started = time.monotonic()
    response = api.post("/graphql", content=deep, headers={"content-type": "application/json"})
    assert time.monotonic() - started < 10  # a bound against a hang, not a speed target
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    shallow_but_deep = {"query": query, "variables": {"m": json.loads("[" * 40 + "]" * 40)}}
    response = api.post("/graphql", json=shallow_but_deep)
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert api.get("/healthz").status_code == 200


def test_a_rest_body_nested_100k_deep_is_400_not_a_crash(api: httpx.Client) -> None:
    nested = "[" * 100_000 + "]" * 100_000
    body = f'{{"space": "x", "query": "tea", "top_k": {nested}}}'
    response = api.post("/v1/search", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"


@pytest.mark.parametrize(
    ("declared", "argument", "value"),
    [
        ("Int", "topK", "ten"),
        ("DateTime", "asOf", "not a date"),
        ("DateTime", "asOf", OVERFLOW),
    ],
)
def test_a_wrong_graphql_variable_type_is_bad_user_input(
    api: httpx.Client, declared: str, argument: str, value: str
) -> None:
    query = f'query($v: {declared}) {{ search(space: "x", query: "tea", {argument}: $v) {{ id }} }}'
    body = api.post("/graphql", json={"query": query, "variables": {"v": value}}).json()
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body


# -- No size limits ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("item", "field"),
    [
        (fact(text="t" * (LIMITS.text_chars + 1)), "facts.0.text"),
        (fact(subject="S" * (LIMITS.name_chars + 1)), "facts.0.subject"),
        (fact(subject_type="T" * (LIMITS.type_chars + 1)), "facts.0.subject_type"),
    ],
)
def test_fact_strings_over_their_limit_are_422(
    api: httpx.Client, item: dict[str, Any], field: str
) -> None:
    error = refused(api.post("/v1/facts", json={"space": space(), "facts": [item]}), field)
    assert "KENNING_MAX_" in error["message"]


def test_patch_text_over_its_limit_is_422(api: httpx.Client) -> None:
    body = {"space": "x", "text": "t" * (LIMITS.text_chars + 1)}
    refused(api.patch("/v1/facts/fa_1", json=body), "text")


def test_episode_metadata_over_its_limits_is_422_and_stores_nothing(api: httpx.Client) -> None:
    name = space()
    many = {f"k{i}": i for i in range(LIMITS.metadata_keys + 1)}
    big = {"k": "x" * LIMITS.metadata_bytes}
    for metadata, rule in (
        (many, "KENNING_MAX_METADATA_KEYS"),
        (big, "KENNING_MAX_METADATA_BYTES"),
    ):
        body = {"space": name, "episodes": [{"content": "hi", "metadata": metadata}]}
        assert (
            rule in refused(api.post("/v1/episodes", json=body), "episodes.0.metadata")["message"]
        )
    listing = api.get("/v1/stats").json()["spaces"]
    assert name not in {row["space"] for row in listing}


@pytest.fixture(scope="module")
def down_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    """An app with API keys, a 2 KiB body limit and no reachable graph (the
    rules below are checked before any store call); yields (url, app)."""
    settings = load_settings(
        graph_url="falkordb://127.0.0.1:1",
        api_keys={"secret-key": "acme"},
        max_body_bytes=2048,
        data_dir=tmp_path_factory.mktemp("down"),
    )
    app = create_app(settings)
    with serve(settings, ready_status=503, app=app) as url:
        yield url, app


AUTH = {"Authorization": "Bearer secret-key"}


def test_a_body_over_the_limit_is_413_before_parsing(down_app: tuple[str, Any]) -> None:
    url, _ = down_app
    body = {"space": "x", "episodes": [{"content": "a" * 4000}]}
    with httpx.Client(base_url=url, headers=AUTH) as client:
        response = client.post("/v1/episodes", json=body)
        assert response.status_code == 413
        assert response.json()["error"]["code"] == "too_large"
        assert "KENNING_MAX_BODY_BYTES" in response.json()["error"]["message"]
        # Without a Content-Length (chunked), the count stops the read as well.
        chunks = iter([b'{"space": "x", "episodes": [', b" " * 4000, b"]}"])
        response = client.post(
            "/v1/episodes", content=chunks, headers={"content-type": "application/json"}
        )
        assert response.status_code == 413
        # Not JSON at all but too large: still 413, never a parse error.
        assert client.post("/graphql", content=b"x" * 4000).status_code == 413


# -- Store error text never reaches a client -------------------------------------


def test_store_error_text_stays_in_the_log(down_app: tuple[str, Any]) -> None:
    url, app = down_app
    secret = "FalkorDB query failed: errMsg: Invalid input at end of input"

    async def failing(*_: object, **__: object) -> Any:
        raise StoreError(secret)

    store = app.state.runtime.store
    original = store.list_spaces
    store.list_spaces = failing
    try:
        with httpx.Client(base_url=url, headers=AUTH) as client:
            rest = client.get("/v1/stats")
            assert rest.status_code == 500
            assert rest.json()["error"] == {
                "code": "internal",
                "message": "internal error",
                "request_id": rest.headers["x-request-id"],
            }
            graphql = client.post("/graphql", json={"query": "{ spaces { id } }"}).json()
            assert graphql["errors"][0]["extensions"]["code"] == "INTERNAL"
            assert graphql["errors"][0]["message"] == "internal error"
            assert "errMsg" not in rest.text + json.dumps(graphql)
    finally:
        store.list_spaces = original


# -- Empty tenant ----------------------------------------------------------------


@pytest.mark.parametrize(
    "keys", [{"sk-1": ""}, {"sk-1": "a b"}, {"sk-1": "t" * 129}, {"": "acme"}, {"sk-1": "x\x00"}]
)
def test_api_keys_refuse_an_empty_or_malformed_tenant_at_start_up(keys: dict[str, str]) -> None:
    with pytest.raises(ConfigError, match="KENNING_API_KEYS") as caught:
        load_settings(api_keys=keys)
    assert all(key not in str(caught.value) for key in keys if key)  # keys are secrets


def test_an_empty_space_or_id_is_422(api: httpx.Client) -> None:
    refused(api.post("/v1/episodes", json={"space": "", "episodes": [{"content": "hi"}]}), "space")
    refused(api.get("/v1/facts", params={"space": ""}), "space")
    refused(api.get("/v1/timeline", params={"space": "x", "entity": ""}), "entity")
    refused(api.get("/v1/jobs/job x"), "job_id")


# -- Schema drift ------------------------------------------------------------------


def test_empty_batches_are_refused_and_the_schema_says_so(api: httpx.Client) -> None:
    schemas = api.get("/openapi.json").json()["components"]["schemas"]
    assert schemas["EpisodeBatch"]["properties"]["episodes"]["minItems"] == 1
    assert schemas["FactBatch"]["properties"]["facts"]["minItems"] == 1
    refused(api.post("/v1/episodes", json={"space": "x", "episodes": []}), "episodes")
    refused(api.post("/v1/facts", json={"space": "x", "facts": []}), "facts")


def test_openapi_documents_every_status_with_the_error_body(api: httpx.Client) -> None:
    paths = api.get("/openapi.json").json()["paths"]
    ref = "#/components/schemas/ErrorBody"
    for path, item in paths.items():
        if not path.startswith("/v1/"):
            continue
        for method, operation in item.items():
            responses = operation["responses"]
            expected = {"401", "403", "422", "429", "503"}
            if method in ("post", "patch"):
                expected |= {"400", "413"}
            # Export and import name a space, not an item: an unknown space
            # exports empty and imports into a new space, never 404.
            names_item = "{" in path and not path.endswith(("/export", "/import"))
            if names_item or path == "/v1/graph":
                expected.add("404")
            if (method, path) == ("post", "/v1/episodes"):
                expected.add("409")
            assert expected <= set(responses), (method, path, sorted(responses))
            for status in expected:
                schema = responses[status]["content"]["application/json"]["schema"]
                assert schema == {"$ref": ref}, (method, path, status)
            for status in ("429", "503"):
                assert "Retry-After" in responses[status]["headers"]
    assert {"429", "503"} <= set(paths["/healthz"]["get"]["responses"])


def test_env_example_matches_the_defaults() -> None:
    defaults = Settings.model_fields
    seen = 0
    for line in (ROOT / ".env.example").read_text().splitlines():
        if not line.startswith("KENNING_") or "=" not in line:
            continue
        name, value = line.split("=", 1)
        field = name.removeprefix("KENNING_").lower()
        if field in ("url", "api_key", "neo4j_password"):
            continue  # the CLI's target and secrets, not server defaults
        assert field in defaults, name
        parsed = load_settings(**{field: _env_value(value)})
        assert getattr(parsed, field) == getattr(load_settings(), field), name
        seen += 1
    assert seen >= 40


def _env_value(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def test_graphiql_opens_in_a_browser_with_keys_but_queries_need_one(
    down_app: tuple[str, Any],
) -> None:
    url, _ = down_app
    page = httpx.get(f"{url}/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert "graphiql" in page.text.lower()
    query = "{ spaces { id } }"
    refused_get = httpx.get(
        f"{url}/graphql", params={"query": query}, headers={"accept": "text/html"}
    )
    assert refused_get.status_code == 401
    assert httpx.post(f"{url}/graphql", json={"query": query}).status_code == 401


@pytest.mark.parametrize("key", ["turn-1 ", "}/\x0b", "a\x01b", " \t"])
def test_an_idempotency_key_with_odd_whitespace_keeps_the_store_up(
    api: httpx.Client, key: str
) -> None:
    # Found by schemathesis: FalkorDB 4.16 crashed (SIGSEGV) storing a
    # uniquely constrained value ending in whitespace or holding \x01.
    body = {"space": space(), "episodes": [{"content": "I like tea.", "idempotency_key": key}]}
    assert api.post("/v1/episodes", json=body).status_code == 202
    again = api.post("/v1/episodes", json=body)
    assert again.status_code == 202
    assert again.json()["duplicates"] == 1
    assert api.get("/healthz").status_code == 200
