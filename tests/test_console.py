"""The web console at ``/console``: served without a key, kept in step with its
sources, and, in headless Chromium over a conv-26 import, a search with each
hit's channels and sources, a fact's timeline, Caroline's neighbourhood drawn
by cytoscape.js and her timeline — each compared with what the REST API
answers for the same request. Screenshots land in ``tests/output/console/``.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect

from kenning.api.app import create_app
from kenning.config import load_settings
from kenning.console import STATIC_DIR
from tests.browser import OUTPUT, browser_page

SCREENSHOTS = OUTPUT / "console"
SOURCES = Path(__file__).resolve().parents[1] / "console"
SPACE = "conv-26"
QUERY = "What does Caroline research?"
PERSON = "Caroline"
KEY = "k-console-test"
#: The console's page sizes (console/src/api.ts).
PAGE_SIZES = {"/v1/insights": 100, "/v1/agents/runs": 50}
#: The neighbourhood view's default number of facts (console/src/views/graph.tsx).
GRAPH_LIMIT = 40
#: The browser, the app and other suites share two busy cores: generous
#: bounds for the first load and each step, never a speed assertion.
LOAD_MS = 180_000
STEP_MS = 90_000


def test_console_is_served_without_a_key(tmp_path: Path) -> None:
    """With keys required, the console's files answer without one: they hold
    no memory (the API calls they make carry the key). No lifespan: static
    files need neither the store nor the models."""
    app = create_app(load_settings(data_dir=tmp_path, api_keys={"k-console": "t1"}))
    client = TestClient(app)  # not entered: no lifespan
    redirect = client.get("/console", follow_redirects=False)
    assert redirect.status_code == 307
    assert redirect.headers["location"].endswith("/console/")
    page = client.get("/console/")
    assert page.status_code == 200
    assert '<div id="app">' in page.text
    assert client.get("/console/assets/index.js").status_code == 200
    assert client.get("/console/nothing.js").status_code == 404


def test_committed_build_matches_sources(tmp_path: Path) -> None:
    """``src/kenning/console/static`` is what ``console/`` builds to now (run
    ``make console-build`` and commit after changing ``console/``)."""
    if shutil.which("npx") is None or not (SOURCES / "node_modules").is_dir():
        pytest.skip("console/node_modules missing (make install runs npm ci there)")
    out = tmp_path / "static"
    subprocess.run(
        ["npx", "vite", "build", "--outDir", str(out), "--emptyOutDir", "--logLevel", "error"],
        cwd=SOURCES,
        check=True,
        timeout=600,
    )
    built = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    committed = {
        p.relative_to(STATIC_DIR): p.read_bytes() for p in STATIC_DIR.rglob("*") if p.is_file()
    }
    assert sorted(built) == sorted(committed)
    stale = [str(name) for name, data in built.items() if committed[name] != data]
    assert not stale, f"stale console build: {stale}; run make console-build"


def _api(app_url: str) -> httpx.Client:
    return httpx.Client(base_url=app_url, timeout=120)


def _use_key(page: Page) -> None:
    """The key field: kept in sessionStorage and sent as a bearer key (the
    session's app runs without keys, so it accepts any)."""
    page.locator("input[name=api-key]").fill(KEY)
    with page.expect_request(lambda r: "/v1/stats" in r.url) as sent:
        page.get_by_role("button", name="Use key").click()
    assert sent.value.headers["authorization"] == f"Bearer {KEY}"
    assert page.evaluate("() => sessionStorage.getItem('kenning.apiKey')") == KEY


def _search(page: Page) -> list[dict[str, Any]]:
    """Pick the space, search; returns what the page drew per hit."""
    page.locator("select[name=space]").select_option(SPACE)
    page.locator("input[name=query]").fill(QUERY)
    page.locator("section.search button[type=submit]").click()
    expect(page.locator("li.hit").first).to_be_visible(timeout=STEP_MS)
    page.screenshot(path=SCREENSHOTS / "search.png", full_page=True)
    rows: list[dict[str, Any]] = page.locator("li.hit").evaluate_all(
        """hits => hits.map(h => ({
            id: h.dataset.id, kind: h.dataset.kind,
            channels: [...h.querySelectorAll('.channel')].map(c => c.dataset.channel),
            sources: [...h.querySelectorAll('.source')].map(s => s.dataset.episode),
        }))"""
    )
    return rows


def _drawn_graph(page: Page) -> dict[str, Any]:
    """Nodes and edges from cytoscape's own state (the canvas has no DOM)."""
    page.wait_for_function("() => window.kenningGraph && window.kenningGraph.nodes().length > 0")
    state: dict[str, Any] = page.evaluate(
        """() => {
            const cy = window.kenningGraph;
            return {
                labels: cy.nodes().map(n => n.data('label')),
                centre: cy.nodes('.centre').map(n => n.data('label')),
                edges: cy.edges().map(e => e.id()),
                rendered: cy.nodes().every(n => n.renderedPosition('x') > 0),
            };
        }"""
    )
    return state


def _timeline_facts(page: Page) -> list[str]:
    expect(page.locator("li.event").first).to_be_visible(timeout=STEP_MS)
    facts: list[str] = page.locator("li.event").evaluate_all("es => es.map(e => e.dataset.fact)")
    return facts


def _check_listing(page: Page, api: httpx.Client, tab: str, path: str, rows: str) -> None:
    """Open ``tab``: one ``rows`` element per item the API lists (first page,
    the console's page size), or the empty-listing hint."""
    page.get_by_role("button", name=tab).click()
    params = {"space": SPACE, "limit": PAGE_SIZES[path]}
    items = api.get(path, params=params).raise_for_status().json()["items"]
    if items:
        expect(page.locator(rows)).to_have_count(len(items), timeout=STEP_MS)
    else:
        expect(page.locator("main p.hint")).to_contain_text("No ", timeout=STEP_MS)
    page.screenshot(path=SCREENSHOTS / f"{path.rsplit('/', 1)[-1]}.png")


def _expect_logs(page: Page, items: list[dict[str, Any]]) -> None:
    if not items:
        expect(page.locator("main p.hint")).to_contain_text("No retrievals", timeout=STEP_MS)
        return
    expect(page.locator("li.retrieval")).to_have_count(len(items), timeout=STEP_MS)
    drawn = page.locator("li.retrieval").evaluate_all("ls => ls.map(l => l.dataset.id)")
    assert drawn == [i["id"] for i in items]


#: A page of ``GET /v1/retrievals`` in the shape of the contract of issue 16
#: §3, for the view while the session's server has no retrieval logs.
LOG: dict[str, Any] = {
    "id": "rl_console_1",
    "space": SPACE,
    "kind": "search",
    "query": QUERY,
    "filters": {"agent_id": "planner", "run_id": None, "app_id": None, "top_k": 10},
    "results": [
        {
            "key": "fact:fa_console_1",
            "rank": 1,
            "score": 0.0328,
            "channels": {"vector": {"rank": 1, "score": 0.81}},
        }
    ],
    "latency_ms": 41.5,
    "key_id": "key_console",
    "created_at": "2026-01-02T03:04:05Z",
}
LOGS_PAGE = {"items": [LOG], "next_cursor": None}


def _stand_in_logs(page: Page) -> None:
    """The view draws a contract-shaped page of logs: query, filters, results."""
    page.route("**/v1/retrievals?*", lambda route: route.fulfill(json=LOGS_PAGE))
    page.get_by_role("button", name="Search").click()
    page.get_by_role("button", name="Retrieval logs").click()
    _expect_logs(page, [LOG])
    log = page.locator("li.retrieval").first
    expect(log).to_contain_text(QUERY)
    expect(log).to_contain_text("agent_id=planner")
    log.locator("summary").click()
    expect(log).to_contain_text("fact:fa_console_1")
    expect(log).to_contain_text("vector #1")
    page.screenshot(path=SCREENSHOTS / "retrievals_stand_in.png")
    page.unroute("**/v1/retrievals?*")


@pytest.mark.slow
def test_console_search_graph_and_timeline(app_url: str, conv26_import: str) -> None:
    """The key field, search, a fact's timeline, Caroline's neighbourhood and
    timeline, and the retrieval log view, as drawn in Chromium, against the
    API's own answers."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with _api(app_url) as api, browser_page() as page:
        page.goto(f"{app_url}/console", timeout=LOAD_MS)
        expect(page.locator(f"select[name=space] option[value='{SPACE}']")).to_have_count(
            1, timeout=STEP_MS
        )
        _use_key(page)
        rows = _search(page)
        expected = api.post("/v1/search", json={"space": SPACE, "query": QUERY, "top_k": 10})
        hits = expected.raise_for_status().json()["results"]
        assert [r["id"] for r in rows] == [h["id"] for h in hits]
        for row, hit in zip(rows, hits, strict=True):
            assert sorted(row["channels"]) == sorted(hit["channels"]), row
            if hit["kind"] == "fact":
                assert row["sources"] == hit["episode_ids"], row
        fact_hit = next(h for h in hits if h["kind"] == "fact")
        fact = fact_hit["fact"]

        # The fact's timeline: its (subject, predicate) history, this fact among it.
        page.locator(f"li.hit[data-id='{fact_hit['id']}'] button.timeline-link").click()
        facts = _timeline_facts(page)
        assert fact["id"] in facts
        focused = page.locator("li.event.focus").evaluate_all("es => es.map(e => e.dataset.fact)")
        assert set(focused) == {fact["id"]}
        page.screenshot(path=SCREENSHOTS / "fact_timeline.png", full_page=True)

        # Caroline's neighbourhood, opened from the search view.
        page.get_by_role("button", name="Search").click()
        page.locator("li.hit a.entity", has_text=PERSON).first.click()
        drawn = _drawn_graph(page)
        page.wait_for_timeout(500)  # the canvas paints on the next frame
        page.screenshot(path=SCREENSHOTS / "neighbourhood.png")
        params = {"space": SPACE, "entity": PERSON, "limit": GRAPH_LIMIT}
        graph = api.get("/v1/graph", params=params)
        view = graph.raise_for_status().json()
        assert sorted(drawn["labels"]) == sorted(n["name"] for n in view["nodes"])
        assert sorted(drawn["edges"]) == sorted(e["id"] for e in view["edges"])
        assert drawn["centre"] == [PERSON]
        assert drawn["rendered"]
        assert len(drawn["labels"]) > 5
        assert page.locator("table.facts tr.edge").count() == len(view["edges"])

        # Her timeline, from the neighbourhood's centre.
        page.get_by_role("button", name=f"{PERSON}'s timeline").click()
        facts = _timeline_facts(page)
        centre = next(n["id"] for n in view["nodes"] if n["distance"] == 0)
        events = api.get("/v1/timeline", params={"space": SPACE, "entity": centre, "limit": 200})
        assert facts == [e["fact"]["id"] for e in events.raise_for_status().json()["events"]]
        page.screenshot(path=SCREENSHOTS / "timeline.png")

        # Insights and agent runs: what the API lists (the test runs no agent:
        # conv-26 is shared with other suites).
        _check_listing(page, api, "Insights", "/v1/insights", "li.insight")
        _check_listing(page, api, "Agent runs", "/v1/agents/runs", "tr.run")

        # Retrieval logs: drawn when the endpoint answers, else said to be off.
        page.get_by_role("button", name="Retrieval logs").click()
        logs = api.get("/v1/retrievals", params={"space": SPACE, "limit": 50})
        if logs.status_code == 404:
            expect(page.locator("p.retrieval-off")).to_be_visible(timeout=STEP_MS)
        else:
            _expect_logs(page, logs.raise_for_status().json()["items"])
        page.screenshot(path=SCREENSHOTS / "retrievals.png")
        _stand_in_logs(page)
