"""Category filters of REST reads: ``agent_id``, ``run_id``, ``app_id``.

Bodies (``POST /v1/search``, ``POST /v1/context``) take them as fields
(:class:`CategoryFields`); GET endpoints (facts, timeline, graph) as query
parameters (:data:`CategoriesDep`). Each is optional; given ones combine with
AND; none means no filter.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query
from pydantic import Field

from kenning.domain.models import CategoryFilter, Model, Tag

_AGENT = "Only memory tagged with this agent_id (episodes and facts; shared facts too)."
_RUN = "Only memory tagged with this run_id."
_APP = "Only memory tagged with this app_id."


class CategoryFields(Model):
    """Body fields of a read limited to one memory category."""

    agent_id: Tag | None = Field(None, description=_AGENT)
    run_id: Tag | None = Field(None, description=_RUN)
    app_id: Tag | None = Field(None, description=_APP)

    def categories(self) -> CategoryFilter:
        """The filter these fields name (empty: none)."""
        return CategoryFilter(self.agent_id, self.run_id, self.app_id)


def _categories(
    agent_id: Annotated[str | None, Query(min_length=1, max_length=128, description=_AGENT)] = None,
    run_id: Annotated[str | None, Query(min_length=1, max_length=128, description=_RUN)] = None,
    app_id: Annotated[str | None, Query(min_length=1, max_length=128, description=_APP)] = None,
) -> CategoryFilter:
    return CategoryFilter(agent_id, run_id, app_id)


#: The ``agent_id``/``run_id``/``app_id`` query parameters of a GET read.
CategoriesDep = Annotated[CategoryFilter, Depends(_categories)]
