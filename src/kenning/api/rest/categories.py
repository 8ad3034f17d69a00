"""Category filters of REST reads: ``agent_id``, ``run_id``, ``app_id``.

Bodies (``POST /v1/search``, ``POST /v1/context``) take them as fields
(:class:`~kenning.api.rest.schemas.CategoryFields`); GET endpoints (facts, timeline, graph) as query
parameters (:data:`CategoriesDep`). Each is optional; given ones combine with
AND; none means no filter.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from kenning.api.rest.schemas import AGENT_FILTER as _AGENT
from kenning.api.rest.schemas import APP_FILTER as _APP
from kenning.api.rest.schemas import RUN_FILTER as _RUN
from kenning.domain.models import CategoryFilter


def _categories(
    agent_id: Annotated[str | None, Query(min_length=1, max_length=128, description=_AGENT)] = None,
    run_id: Annotated[str | None, Query(min_length=1, max_length=128, description=_RUN)] = None,
    app_id: Annotated[str | None, Query(min_length=1, max_length=128, description=_APP)] = None,
) -> CategoryFilter:
    return CategoryFilter(agent_id, run_id, app_id)


#: The ``agent_id``/``run_id``/``app_id`` query parameters of a GET read.
CategoriesDep = Annotated[CategoryFilter, Depends(_categories)]
