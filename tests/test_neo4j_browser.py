"""Neo4j Browser shows the memory: conv-26 on the session's Neo4j, the Kenning
guide and style loaded from the app, one guide query drawn as a graph.

Drives Debian's Chromium headless with Playwright (``tests/browser.py``). The
screenshot lands in ``tests/output/neo4j_browser/`` (ignored by git) for a
person to look at.
"""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser import OUTPUT as SCREENSHOTS
from tests.browser import browser_page
from tests.conftest import Neo4jServer

OUTPUT = SCREENSHOTS / "neo4j_browser"
#: Browser and the app share 2 busy cores with Neo4j; its first page load and
#: the first query are slow. Generous bounds, never a speed assertion.
LOAD_MS = 180_000
STEP_MS = 60_000
#: The style sheet's Entity colour (neo4j/kenning.grass).
ENTITY_COLOUR = "#4C8EDA"


@pytest.fixture
def neo4j_app(engine: str, neo4j_server: Neo4jServer, app_url: str, conv26_import: str) -> str:
    """The session's app on Neo4j with conv-26 imported (shared with the other
    LoCoMo suites, so the import runs once per engine); its URL."""
    if engine != "neo4j":
        pytest.skip("Neo4j Browser shows a Neo4j database, not the embedded FalkorDB")
    if neo4j_server.browser_url is None:
        pytest.skip(f"Neo4j from {neo4j_server.source} has no known Browser URL")
    return app_url


def _run(page: Page, command: str) -> None:
    """Type one command into Browser's editor and run it (Ctrl+Enter)."""
    page.get_by_test_id("activeEditor").click()
    page.keyboard.type(command)
    page.keyboard.press("Control+Enter")


def _connect(page: Page, server: Neo4jServer) -> None:
    assert server.browser_url is not None
    page.goto(server.browser_url, timeout=LOAD_MS)
    page.get_by_test_id("boltaddress").fill(server.url.removeprefix("bolt://"))
    page.get_by_test_id("username").fill(server.user)
    page.get_by_test_id("password").fill(server.password)
    page.get_by_test_id("connect").click()
    expect(page.get_by_text("You are connected as user")).to_be_visible(timeout=STEP_MS)


def _play(page: Page, url: str, attempts: int = 4) -> None:
    """``:play`` the guide. Browser reads the server's fetch allowlist (which
    admits 127.0.0.1) a moment after connecting; a :play before that falls back
    to its built-in guides ("Not found"), so retry a few times."""
    title = page.get_by_text("Kenning memory")
    for _ in range(attempts):
        _run(page, f":play {url}")
        try:
            expect(title).to_be_visible(timeout=15_000)
            return
        except AssertionError:
            continue
    expect(title).to_be_visible(timeout=STEP_MS)


def _click_and_wait(page: Page, link: Locator) -> None:
    """Click a guide link that runs a command, and wait until its frame shows:
    a query run right after would otherwise race the parameter or style."""
    is_param = (
        (link.get_attribute("data-exec") or link.inner_text()).lstrip(":").startswith("param")
    )
    done = (
        page.get_by_text("Successfully set your parameters.")
        if is_param
        else page.get_by_text("relationship.FACT")
    )
    before = done.count()
    link.click()
    expect(done).to_have_count(before + 1, timeout=STEP_MS)


def test_guide_and_style_are_served(app_url: str) -> None:
    """The guide links back to the serving app; Browser's CORS preflight passes."""
    guide = httpx.get(f"{app_url}/neo4j/guide.html", timeout=30)
    assert guide.status_code == 200
    assert guide.headers["access-control-allow-origin"] == "*"
    assert f":style {app_url}/neo4j/kenning.grass" in guide.text
    assert "{{KENNING_URL}}" not in guide.text
    preflight = httpx.options(
        f"{app_url}/neo4j/kenning.grass",
        headers={"Origin": "http://127.0.0.1:7474", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code == 204
    assert "pragma" in preflight.headers["access-control-allow-headers"]
    style = httpx.get(f"{app_url}/neo4j/kenning.grass", timeout=30)
    assert 'caption: "{predicate}"' in style.text
    assert httpx.get(f"{app_url}/neo4j/nothing.txt", timeout=30).status_code == 404


@pytest.mark.neo4j
@pytest.mark.slow
def test_browser_draws_a_persons_neighbourhood(neo4j_server: Neo4jServer, neo4j_app: str) -> None:
    """Connect, :play the guide, set tenant/space/style and person from it, run
    the neighbourhood query from its slide: the graph view draws Caroline's
    facts in the style's colours, with predicates as captions."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    with browser_page() as page:
        _connect(page, neo4j_server)
        _play(page, f"{neo4j_app}/neo4j/guide.html")
        for link in page.locator("a[data-exec]").all():
            if link.is_visible():  # :param tenant, :param space, :style <url>
                _click_and_wait(page, link)
        page.get_by_test_id("nextSlide").first.click()
        _click_and_wait(page, page.get_by_text(":param person => 'Caroline'"))
        page.locator("#query-neighbourhood").click()  # fills the editor
        page.keyboard.press("Control+Enter")
        nodes = page.locator("svg g.layer.nodes g.node")
        expect(nodes.first).to_be_visible(timeout=STEP_MS)
        page.wait_for_timeout(3000)  # let the force layout settle for the picture
        page.screenshot(path=OUTPUT / "caroline_neighbourhood.png")
        relationships = page.locator("svg g.layer.relationships g.relationship")
        node_count, relationship_count = nodes.count(), relationships.count()
        captions = page.locator("svg g.layer.nodes g.node text").all_text_contents()
        predicates = page.locator("svg g.relationship text").all_text_contents()
        fills = {
            (c or "").upper()
            for c in page.locator("svg g.node circle.b-outline").evaluate_all(
                "cs => cs.map(c => c.getAttribute('fill'))"
            )
        }
    assert node_count > 1
    assert relationship_count > 0
    assert "Caroline" in " ".join(captions)
    assert any(p.strip() for p in predicates)
    assert ENTITY_COLOUR in fills, fills
