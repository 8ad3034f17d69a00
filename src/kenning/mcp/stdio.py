"""``kenning mcp``: the MCP server over stdio, for a local MCP client
(Claude Desktop, Cursor) that starts it as a subprocess.

It runs its own :class:`~kenning.api.runtime.Runtime` (models, store, ingest
worker, agent schedule) on the configured graph. The embedded FalkorDB's data
dir has one owner process: while ``kenning serve`` (or another ``kenning mcp``)
holds ``KENNING_DATA_DIR``, this one exits at start-up with "another Kenning
(pid N) is serving data dir ...". Then point both at a shared store
(``KENNING_GRAPH_URL=falkordb://host:port`` or Neo4j), or connect the client
to the running service's ``/mcp`` instead.
"""

from __future__ import annotations

import logging

from fastapi import HTTPException

from kenning.access.principal import Principal
from kenning.api.runtime import Runtime
from kenning.config import Settings
from kenning.errors import ConfigError
from kenning.mcp.caller import principal_of_key
from kenning.mcp.server import build_server

log = logging.getLogger(__name__)


async def serve_stdio(settings: Settings) -> None:
    """Start the runtime, wait for the store, then serve MCP on stdin/stdout
    until the client closes them; stop the runtime.

    Stdout carries only MCP messages: logs go to stderr.

    Raises:
        StoreError: the store cannot be opened (e.g. the embedded data dir is
            owned by another process).
        TimeoutError: the store did not open within ``KENNING_MCP_READY_TIMEOUT_S``.
        ConfigError: keys are configured and ``KENNING_API_KEY`` is not one of them.
    """
    runtime = await Runtime.start(settings)
    try:
        await runtime.ready(settings.mcp_ready_timeout_s)
        caller = await _stdio_principal(runtime, settings)
        log.info("MCP over stdio for tenant %s on %s", caller.tenant, settings.engine)
        await build_server(lambda: runtime, stdio_principal=caller).run_stdio_async()
    finally:
        await runtime.stop()


async def _stdio_principal(runtime: Runtime, settings: Settings) -> Principal:
    # The same rule as over HTTP: the key names the caller (no keys: the
    # development principal).
    try:
        return await principal_of_key(runtime, settings.api_key or None)
    except HTTPException:
        raise ConfigError(
            "KENNING_API_KEY: API keys are configured (KENNING_API_KEYS) and this is not one "
            "of them; set the key of the tenant whose memory the MCP client may use"
        ) from None
