"""Stand-in OpenAI and Anthropic chat servers for the SDK wrap's tests and
benchmark: a FastAPI app answering ``POST /v1/chat/completions``, ``POST
/v1/responses`` and ``POST /v1/messages`` with recorded answers in each API's wire format
(:mod:`tests.llm_recordings`), streamed as server-sent events when asked.
Every request body is kept in ``seen``, so a test can read the system prompt
the wrap injected. A test that appends a status (429, 400) to the app's
``state.failures`` gets that error answer (with ``retry-after: 20`` on a 429)
for the next request instead."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse

from tests.llm_recordings import (
    anthropic_error,
    anthropic_sse,
    anthropic_stream_events,
    anthropic_text_message,
    openai_chat_chunks,
    openai_completion,
    openai_error,
    openai_response,
    openai_response_events,
    openai_sse,
)

#: What the stand-in answers, whatever it is asked.
ANSWER = "Since you live in Lisbon, the pastry you want is a pastel de nata from Belem."


def chat_stand_in(answer: str = ANSWER) -> tuple[FastAPI, list[dict[str, Any]]]:
    """The stand-in app and the list of request bodies it received."""
    app = FastAPI()
    seen: list[dict[str, Any]] = []
    failures: list[int] = []
    app.state.failures = failures

    def failure(error_of: Any) -> JSONResponse | None:
        if not failures:
            return None
        status = failures.pop(0)
        headers = {"retry-after": "20"} if status == 429 else {}
        return JSONResponse(error_of(status), status_code=status, headers=headers)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/v1/chat/completions", response_model=None)
    async def completions(request: Request) -> JSONResponse | StreamingResponse:
        body = await request.json()
        seen.append(body)
        if (error := failure(openai_error)) is not None:
            return error
        if body.get("stream"):
            return _sse(openai_sse(openai_chat_chunks(answer)))
        return JSONResponse(openai_completion(answer))

    @app.post("/v1/responses", response_model=None)
    async def responses(request: Request) -> JSONResponse | StreamingResponse:
        body = await request.json()
        seen.append(body)
        if body.get("stream"):
            events = openai_response_events(answer)
            return _sse([f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in events])
        return JSONResponse(openai_response(answer))

    @app.post("/v1/messages", response_model=None)
    async def messages(request: Request) -> JSONResponse | StreamingResponse:
        body = await request.json()
        seen.append(body)
        if (error := failure(anthropic_error)) is not None:
            return error
        if body.get("stream"):
            return _sse(anthropic_sse(anthropic_stream_events(answer)))
        return JSONResponse(anthropic_text_message(answer))

    return app, seen


def _sse(events: list[str]) -> StreamingResponse:
    def lines() -> Iterator[bytes]:
        for event in events:
            yield event.encode()

    return StreamingResponse(lines(), media_type="text/event-stream")
