"""Build the configured GraphStore."""

from __future__ import annotations

from kenning.config import Settings
from kenning.store.base import CypherStore


def create_store(settings: Settings) -> CypherStore:
    """Return the adapter for ``settings.graph_url`` (not yet opened).

    Drivers are imported here, so nothing outside ``store/`` imports one.
    """
    if settings.engine == "falkordb":
        from kenning.store.falkordb.store import FalkorStore
        from kenning.store.falkordb.supervisor import Supervision

        return FalkorStore(
            settings.graph_url,
            settings.graph_name,
            settings.data_dir,
            settings.store_limits(),
            Supervision(hang_timeout_s=settings.embedded_hang_timeout_s),
        )
    from kenning.store.neo4j.store import Neo4jStore

    return Neo4jStore(
        settings.graph_url,
        settings.neo4j_user,
        settings.neo4j_password,
        settings.neo4j_database,
        settings.store_limits(),
    )
