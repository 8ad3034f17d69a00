"""Tools whose arguments are the API's own pydantic models, and Kenning errors
as MCP tool errors.

The MCP SDK derives a tool's JSON schema from its function's signature. A tool
here is declared by a request model instead (``SearchRequest``, the same class
``POST /v1/search`` reads): :func:`model_tool` builds a function whose
parameters are that model's fields (types, constraints, defaults and
descriptions), so the schema clients see is the REST body's, flat. The
function then validates the arguments with the model itself, so model-level
rules (no NUL characters in any string, ...) apply exactly as over REST.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel, Field, ValidationError
from pydantic_core import PydanticUndefined

from kenning.errors import (
    Conflict,
    Forbidden,
    InputError,
    KenningError,
    NotFound,
    StoreBusy,
    StoreUnavailable,
)

log = logging.getLogger(__name__)

A = TypeVar("A", bound=BaseModel)
R = TypeVar("R", bound=BaseModel)

#: What a tool handler gets: its validated arguments and the MCP request context.
Handler = Callable[[A, Context], Awaitable[R]]

#: The text a client sees for a store outage or back-pressure (never the store's own text).
UNAVAILABLE = "the graph store is unavailable; retry later"
BUSY = "the graph store is busy; retry shortly"


def problem_text(exc: ValidationError) -> str:
    """One line per broken rule, ``field: message (rule)``, as the REST 422 names them."""
    lines = []
    for err in exc.errors(include_url=False, include_input=False):
        where = ".".join(str(p) for p in err["loc"])
        lines.append(f"{where}: {err['msg']} ({err['type']})" if where else err["msg"])
    return "invalid input: " + "; ".join(lines)


def tool_error(exc: Exception) -> ToolError:
    """The MCP tool error for an exception a Kenning service raised.

    Input, not-found, conflict and forbidden errors carry their own message (written by
    Kenning, naming the field or the item); a store outage or back-pressure
    says to retry; anything else says ``internal error`` only (its text may
    hold query text or store output and stays in the server log).
    """
    if isinstance(exc, ValidationError):
        return ToolError(problem_text(exc))
    if isinstance(exc, InputError):
        where = f" (field {exc.field})" if exc.field else ""
        return ToolError(f"invalid input{where}: {exc}")
    if isinstance(exc, NotFound):
        return ToolError(f"not found: {exc}")
    if isinstance(exc, Conflict):
        return ToolError(f"conflict: {exc}")
    if isinstance(exc, Forbidden):
        return ToolError(f"forbidden: {exc}")
    if isinstance(exc, StoreUnavailable):
        log.warning("graph store unavailable: %s", exc)
        return ToolError(UNAVAILABLE)
    if isinstance(exc, StoreBusy):
        log.info("graph store busy: %s", exc)
        return ToolError(BUSY)
    if isinstance(exc, KenningError):
        log.error("MCP tool failed: %s: %s", type(exc).__name__, exc)
    else:
        log.exception("MCP tool failed unexpectedly", exc_info=exc)
    return ToolError("internal error")


#: Descriptions of fields whose shared type carries none.
FALLBACK_DESCRIPTIONS = {
    "space": "Whose memory: a user or agent id (1-128 characters: letters, digits, _ . : @ -).",
}


def _parameter(name: str, model: type[BaseModel]) -> inspect.Parameter:
    field = model.model_fields[name]
    # The field's constraints (field.metadata) and description go into the
    # parameter's annotation; its default becomes the parameter's default.
    description = field.description or FALLBACK_DESCRIPTIONS.get(name)
    info = Field(description=description)
    annotation = Annotated[(field.annotation, *field.metadata, info)]  # type: ignore[name-defined]
    default = field.get_default(call_default_factory=True)
    return inspect.Parameter(
        name,
        inspect.Parameter.KEYWORD_ONLY,
        annotation=annotation,
        default=inspect.Parameter.empty if default is PydanticUndefined else default,
    )


def model_tool(model: type[A], result: type[R], handler: Handler[A, R]) -> Callable[..., Any]:
    """A function for ``MCPServer.add_tool`` whose parameters are ``model``'s
    fields and which returns ``result``.

    Args:
        model: The arguments' model (a REST request model, or one built from
            the same types); every call is validated by it.
        result: The structured result's model (its JSON schema is the
            tool's output schema).
        handler: ``await handler(args, ctx)``; Kenning errors it raises become
            tool errors (:func:`tool_error`).
    """

    async def tool(ctx: Context, **arguments: Any) -> Any:
        try:
            args = model.model_validate(arguments)
            return await handler(args, ctx)
        except ToolError:
            raise
        except Exception as exc:
            raise tool_error(exc) from None

    params = [_parameter(name, model) for name in model.model_fields]
    ctx_param = inspect.Parameter("ctx", inspect.Parameter.KEYWORD_ONLY, annotation=Context)
    # The SDK reads parameters from the signature and finds the context
    # parameter through the annotations: both must describe the same function.
    tool.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [*params, ctx_param], return_annotation=result
    )
    tool.__annotations__ = {
        **{p.name: p.annotation for p in params},
        "ctx": Context,
        "return": result,
    }
    return tool
