"""The chat proxy: ``POST /v1/chat/completions``, OpenAI-compatible."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Literal

from fastapi import APIRouter, Header, Response
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from kenning.access.principal import Principal
from kenning.api.deps import PrincipalDep, RuntimeDep, read_scope, write_scope
from kenning.api.errors import ErrorBody, error_body
from kenning.api.rest.responses import BODY, COMMON
from kenning.api.runtime import Runtime
from kenning.domain.models import Model, Name, Scope, SpaceId, Tag
from kenning.errors import ConfigError, InputError, StoreUnavailable
from kenning.proxy.service import TurnTags, answer_text, gathered
from kenning.proxy.upstream import Forwarded, ProviderError, ProviderUnreachable

router = APIRouter(prefix="/v1", tags=["chat"], responses=COMMON)

_SPACE: TypeAdapter[str] = TypeAdapter(SpaceId)
_OFF = ("false", "0", "no", "off")


class KenningChatOptions(Model):
    """The ``kenning`` field of a chat body; removed before forwarding."""

    space: SpaceId | None = Field(None, description="Whose memory; else `X-Kenning-Space`.")
    inject: bool = Field(True, description="Inject the space's memory as a system message.")
    record: bool = Field(True, description="Record the turn as episodes after the answer.")
    speaker: Name | None = Field(None, description="The user's name on the recorded user turn.")
    agent_id: Tag | None = None
    run_id: Tag | None = None
    app_id: Tag | None = None


#: The message roles of the OpenAI chat-completions API (``function`` is its
#: deprecated form of ``tool``); a body with any other role is refused here
#: rather than forwarded for the provider to refuse.
Role = Literal["system", "developer", "user", "assistant", "tool", "function"]


class ChatMessage(BaseModel):
    """One chat message: its ``role`` is checked, every other field
    (``content``, ``name``, ``tool_calls``, ...) is forwarded as sent."""

    model_config = ConfigDict(extra="allow")

    role: Role


class ChatRequest(BaseModel):
    """An OpenAI chat-completions body; every field but ``kenning`` is
    forwarded as sent."""

    model_config = ConfigDict(extra="allow")

    model: str = Field(min_length=1)
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool | None = None
    kenning: KenningChatOptions | None = None


_DESCRIPTION = {
    "description": "The provider's answer: a `chat.completion` JSON body, or with "
    '`"stream": true` a `text/event-stream` of `chat.completion.chunk` events ending '
    "`data: [DONE]`. A provider error comes back with the provider's status and body.",
    "content": {"text/event-stream": {}},
}


_NO_ANSWER: dict[int | str, dict[str, Any]] = {
    502: {"model": ErrorBody, "description": "The provider could not be reached."},
    504: {"model": ErrorBody, "description": "The provider did not answer in time."},
}
#: Seconds a caller waits before retrying a proxy without a provider key.
NOT_CONFIGURED_RETRY_S = 60


@router.post(
    "/chat/completions",
    response_model=None,
    responses={200: _DESCRIPTION, **BODY, **_NO_ANSWER},
)
async def chat_completions(
    body: ChatRequest,
    caller: PrincipalDep,
    rt: RuntimeDep,
    x_kenning_space: str | None = Header(None, description="Whose memory."),
    x_kenning_inject: str | None = Header(None, description="`false`: no memory injected."),
    x_kenning_record: str | None = Header(None, description="`false`: the turn is not recorded."),
) -> Response:
    """OpenAI-compatible chat completions with long-term memory, forwarded to
    ``KENNING_PROXY_PROVIDER`` (OpenAI or an OpenAI-compatible server as is;
    Anthropic translated both ways).

    Before forwarding, the space's memory for the last user message (as
    ``POST /v1/context``, at most ``KENNING_PROXY_CONTEXT_TOKENS`` tokens) is
    added as a system message after the caller's own leading ones; after the
    answer (a stream: when it ends), the user message and the answer are
    recorded as episodes in the background. The space comes from
    ``kenning.space`` or ``X-Kenning-Space``; ``kenning.inject`` /
    ``kenning.record`` or ``X-Kenning-Inject: false`` /
    ``X-Kenning-Record: false`` turn each off. Memory that fails or takes
    longer than ``KENNING_PROXY_MEMORY_DEADLINE_MS`` is left out (fail-open).
    502 / 504: the provider could not be reached / did not answer in
    ``KENNING_PROXY_TIMEOUT_S``; 503 ``proxy_not_configured``: no provider key."""
    options = body.kenning or KenningChatOptions()
    space = _space_of(options, x_kenning_space)
    inject = options.inject and (x_kenning_inject or "").lower() not in _OFF
    record = options.record and (x_kenning_record or "").lower() not in _OFF
    scope = read_scope(caller, space)
    if record:
        record = await _may_record(rt, caller, space)
    tags = TurnTags(options.speaker, options.agent_id, options.run_id, options.app_id)
    payload = body.model_dump(exclude={"kenning"}, exclude_unset=True)
    query = rt.proxy.query_of(payload)
    if inject:
        block = await rt.proxy.recall(scope, query, caller.key_id)
        payload = rt.proxy.with_memory(payload, block)
    try:
        forwarded = await rt.proxy.upstream().forward(payload)
    except ProviderError as exc:
        return Response(
            exc.body, status_code=exc.status, headers=exc.headers, media_type=_media(exc)
        )
    except ProviderUnreachable as exc:
        code, status = ("provider_timeout", 504) if exc.timed_out else ("provider_unreachable", 502)
        return JSONResponse(
            error_body(code, "the chat provider did not answer"), status_code=status
        )
    except ConfigError as exc:
        return JSONResponse(
            error_body("proxy_not_configured", str(exc)),
            status_code=503,
            headers={"Retry-After": str(NOT_CONFIGURED_RETRY_S)},
        )
    if forwarded.chunks is None:
        answer = forwarded.body or b""
        if record:
            rt.proxy.record_later(scope, tags, query, answer_text(answer))
        return Response(answer, status_code=forwarded.status, headers=forwarded.headers)
    return _stream(rt, forwarded, scope, tags, query if record else "")


def _space_of(options: KenningChatOptions, header: str | None) -> str:
    if options.space is not None:
        return options.space
    if header is None:
        raise InputError(
            "the chat proxy needs a space: send X-Kenning-Space or the body field kenning.space",
            field="kenning.space",
        )
    try:
        return _SPACE.validate_python(header)
    except ValidationError as exc:
        raise InputError(
            f"X-Kenning-Space: {exc.errors()[0]['msg']}", field="X-Kenning-Space"
        ) from exc


async def _may_record(rt: Runtime, caller: Principal, space: str) -> bool:
    """Whether the turn may be recorded: 403 when the key may not write the
    space; a store that cannot check a claim means no recording (fail-open)."""
    try:
        await write_scope(rt, caller, space)
    except StoreUnavailable:
        return False
    return True


def _media(exc: ProviderError) -> str:
    return "application/json" if exc.body[:1] in (b"{", b"[") else "text/plain"


def _stream(rt: Runtime, forwarded: Forwarded, scope: Scope, tags: TurnTags, user: str) -> Response:
    assert forwarded.chunks is not None
    chunks = forwarded.chunks

    def on_end(text: str) -> None:
        if user:
            rt.proxy.record_later(scope, tags, user, text)

    async def body() -> AsyncIterator[bytes]:
        try:
            async for chunk in gathered(chunks, on_end):
                yield chunk
        finally:
            await forwarded.aclose()

    headers = {k: v for k, v in forwarded.headers.items() if k != "content-type"}
    media = forwarded.headers.get("content-type", "text/event-stream")
    return StreamingResponse(
        body(), status_code=forwarded.status, headers=headers, media_type=media
    )
