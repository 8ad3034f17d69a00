"""Neo4j Browser helpers: the Kenning guide and style sheet, served as static text.

``GET /neo4j/guide.html`` is the guide ``:play`` (or ``:guide``) loads, with this
server's base URL filled in so its ``:style`` link points back here;
``GET /neo4j/kenning.grass`` is the GraSS style sheet ``:style <url>`` loads.
Both are public (no API key: they hold no memory) and carry
``Access-Control-Allow-Origin: *``, because Browser fetches them from its own
origin (the Neo4j HTTP port) with ``Pragma`` and ``Cache-Control`` headers,
which make the browser send a CORS preflight (``OPTIONS``) first. The files
live in ``neo4j/`` at the repository root, packaged as ``kenning/neo4j`` in a
wheel.
"""

from __future__ import annotations

import html
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import Response

from kenning.errors import NotFound

router = APIRouter(prefix="/neo4j", tags=["neo4j browser"])

_CORS = {"Access-Control-Allow-Origin": "*", "Cache-Control": "no-cache"}
_PREFLIGHT = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET",
    "Access-Control-Allow-Headers": "pragma, cache-control",
    "Access-Control-Max-Age": "600",
}
#: Placeholder in guide.html for this server's base URL (no trailing slash).
_URL_MARK = "{{KENNING_URL}}"


def _root() -> Traversable:
    packaged = resources.files("kenning") / "neo4j"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[4] / "neo4j"


@cache
def _read(name: str) -> str:
    """The text of ``neo4j/<name>``; read once per process.

    Raises:
        NotFound: the file is not in the package or the source tree.
    """
    path = _root() / name
    if not path.is_file():
        raise NotFound(f"neo4j/{name} is not installed with this server")
    return path.read_text(encoding="utf-8")


@router.get("/guide.html", response_class=Response)
async def guide(request: Request) -> Response:
    """The Browser guide (HTML slides of parameterised queries).

    Open it in Browser with ``:play http://<host>:<port>/neo4j/guide.html``.
    """
    base = str(request.base_url).rstrip("/")
    text = _read("guide.html").replace(_URL_MARK, html.escape(base))
    return Response(text, media_type="text/html; charset=utf-8", headers=_CORS)


@router.get("/kenning.grass", response_class=Response)
async def style() -> Response:
    """The GraSS style sheet: ``:style http://<host>:<port>/neo4j/kenning.grass``."""
    return Response(_read("kenning.grass"), media_type="text/plain; charset=utf-8", headers=_CORS)


@router.options("/guide.html", include_in_schema=False)
@router.options("/kenning.grass", include_in_schema=False)
async def preflight() -> Response:
    """The CORS preflight Browser sends before fetching a guide or style sheet."""
    return Response(status_code=204, headers=_PREFLIGHT)
