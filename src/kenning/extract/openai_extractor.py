"""LLM extraction through the official ``openai`` SDK: Chat Completions with a
strict JSON-schema ``response_format``. ``base_url`` reaches any
OpenAI-compatible server (Ollama, vLLM, LM Studio, llama.cpp)."""

from __future__ import annotations

from typing import Any

import openai
from openai.types.chat import ChatCompletion

from kenning.extract.llm import Completion, LLMExtractor, LLMFailure
from kenning.extract.llm_schema import EXTRACTION_SCHEMA, SCHEMA_NAME
from kenning.extract.port import Extractor


class OpenAIExtractor(LLMExtractor):
    """Extraction by an OpenAI chat model.

    Args:
        client: An ``openai.OpenAI`` client, built with the timeout, retries,
            key and base URL of ``KENNING_LLM_*`` (see ``extract.factory``).
        fallback: The spaCy extractor for what the model could not do.
        model: e.g. ``"gpt-4o-mini"``.
        prompt_version, context_turns, turns_per_call: See :class:`LLMExtractor`.
        max_output_tokens: ``max_completion_tokens`` of each call.
    """

    def __init__(
        self,
        client: openai.OpenAI,
        fallback: Extractor,
        model: str,
        prompt_version: str = "triples_v1",
        context_turns: int = 6,
        turns_per_call: int = 8,
        max_output_tokens: int = 4096,
    ) -> None:
        super().__init__(fallback, "openai", model, prompt_version, context_turns, turns_per_call)
        self.client = client
        self.max_output_tokens = max_output_tokens

    def _complete(self, system: str, user: str) -> Completion:
        try:
            response = json_schema_chat(
                self.client,
                self.model,
                system,
                user,
                (SCHEMA_NAME, EXTRACTION_SCHEMA),
                self.max_output_tokens,
            )
        except openai.APIError as exc:
            raise LLMFailure(error_reason(exc), f"{type(exc).__name__}: {exc}"[:300]) from exc
        usage = response.usage
        tokens = (usage.prompt_tokens, usage.completion_tokens) if usage else (0, 0)
        if not response.choices:
            return Completion(None, "no choices in the answer", *tokens)
        message = response.choices[0].message
        if message.refusal or not message.content:
            return Completion(None, message.refusal or "empty answer", *tokens)
        return Completion(message.content, None, *tokens)


def error_reason(exc: openai.APIError) -> str:
    """The bounded fallback reason of an SDK error (after its retries)."""
    if isinstance(exc, openai.APITimeoutError):
        return "timeout"
    if isinstance(exc, openai.RateLimitError):
        return "rate_limited"
    if isinstance(exc, openai.APIConnectionError):
        return "connection"
    return "api_error"


def json_schema_chat(
    client: openai.OpenAI,
    model: str,
    system: str,
    user: str,
    schema: tuple[str, dict[str, Any]],
    max_output_tokens: int,
) -> ChatCompletion:
    """One Chat Completions call whose answer must match ``schema`` (its
    name and JSON schema; strict ``response_format``), at temperature 0.
    Shared by extraction and the digest polish.

    Raises:
        openai.APIError: after the SDK's own retries.
    """
    name, body = schema
    return client.chat.completions.create(
        model=model,
        messages=[{"role": "system", "content": system}, {"role": "user", "content": user}],
        response_format={
            "type": "json_schema",
            "json_schema": {"name": name, "schema": body, "strict": True},
        },
        temperature=0,
        max_completion_tokens=max_output_tokens,
    )
