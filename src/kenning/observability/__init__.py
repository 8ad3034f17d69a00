"""Operations: Prometheus metrics (:mod:`.metrics`) and request ids (:mod:`.request_id`).

Nothing here imports the API or a database driver; the API wires these in
(``api/middleware.py``) and the store reports each query through a plain
callback (:class:`kenning.store.base.QueryObserver`).
"""

from kenning.observability.metrics import Metrics
from kenning.observability.request_id import (
    REQUEST_ID_HEADER,
    RequestIdFilter,
    current_request_id,
    install_log_filter,
    valid_request_id,
)

__all__ = [
    "REQUEST_ID_HEADER",
    "Metrics",
    "RequestIdFilter",
    "current_request_id",
    "install_log_filter",
    "valid_request_id",
]
