"""The web console at ``/console``: a static front end over the REST API.

The files under ``static/`` are the build output of ``console/`` (Vite +
Preact + cytoscape.js; ``make console-build`` rebuilds them) and are committed,
so serving needs no node. They hold no memory: the page calls ``/v1/...`` with
the key the user enters (kept in the browser's sessionStorage), so ``/console``
itself needs no key and is outside admission control (which covers only
``/v1/`` and ``/graphql``).
"""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

#: Where the console is served.
CONSOLE_PATH = "/console"
#: The committed build output (``console/`` → ``vite build``).
STATIC_DIR = Path(__file__).resolve().parent / "static"

_log = logging.getLogger(__name__)


def mount_console(app: FastAPI, directory: Path = STATIC_DIR) -> bool:
    """Serve ``directory`` at ``/console`` (``/console`` redirects to
    ``/console/``, which answers ``index.html``).

    Returns:
        False, with a warning logged, when ``directory`` has no ``index.html``
        (a source checkout where the build output was removed); the API works
        without it.
    """
    if not (directory / "index.html").is_file():
        _log.warning("console not built (%s missing); run `make console-build`", directory)
        return False
    app.mount(CONSOLE_PATH, StaticFiles(directory=directory, html=True), name="console")
    return True
