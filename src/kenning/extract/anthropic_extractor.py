"""LLM extraction through the official ``anthropic`` SDK: the Messages API
with one tool whose ``input_schema`` is the extraction schema, and
``tool_choice`` forcing it."""

from __future__ import annotations

import anthropic
from anthropic.types import Message, MessageParam, ToolChoiceToolParam, ToolParam

from kenning.extract.llm import Completion, LLMExtractor, LLMFailure
from kenning.extract.llm_schema import EXTRACTION_SCHEMA, SCHEMA_NAME
from kenning.extract.port import Extractor

TOOL_DESCRIPTION = "Record the entities and triples of each turn to extract."


class AnthropicExtractor(LLMExtractor):
    """Extraction by a Claude model.

    Args:
        client: An ``anthropic.Anthropic`` client, built with the timeout,
            retries, key and base URL of ``KENNING_LLM_*``.
        fallback: The spaCy extractor for what the model could not do.
        model: e.g. ``"claude-haiku-4-5"``.
        prompt_version, context_turns, turns_per_call: See :class:`LLMExtractor`.
        max_output_tokens: ``max_tokens`` of each call.
    """

    def __init__(
        self,
        client: anthropic.Anthropic,
        fallback: Extractor,
        model: str,
        prompt_version: str = "triples_v1",
        context_turns: int = 6,
        turns_per_call: int = 8,
        max_output_tokens: int = 4096,
    ) -> None:
        super().__init__(
            fallback, "anthropic", model, prompt_version, context_turns, turns_per_call
        )
        self.client = client
        self.max_output_tokens = max_output_tokens

    def _complete(self, system: str, user: str) -> Completion:
        tool: ToolParam = {
            "name": SCHEMA_NAME,
            "description": TOOL_DESCRIPTION,
            "input_schema": EXTRACTION_SCHEMA,
        }
        try:
            response = forced_tool_message(
                self.client, self.model, system, user, tool, self.max_output_tokens
            )
        except anthropic.APIError as exc:
            raise LLMFailure(error_reason(exc), f"{type(exc).__name__}: {exc}"[:300]) from exc
        tokens = (response.usage.input_tokens, response.usage.output_tokens)
        if response.stop_reason == "refusal":
            return Completion(None, "stop_reason refusal", *tokens)
        for block in response.content:
            if block.type == "tool_use" and block.name == SCHEMA_NAME:
                return Completion(block.input, None, *tokens)
        text = " ".join(b.text for b in response.content if b.type == "text")
        return Completion(
            None, text or f"no tool call (stop_reason {response.stop_reason})", *tokens
        )


def error_reason(exc: anthropic.APIError) -> str:
    """The bounded fallback reason of an SDK error (after its retries)."""
    if isinstance(exc, anthropic.APITimeoutError):
        return "timeout"
    if isinstance(exc, anthropic.RateLimitError):
        return "rate_limited"
    if isinstance(exc, anthropic.APIConnectionError):
        return "connection"
    return "api_error"


def forced_tool_message(
    client: anthropic.Anthropic,
    model: str,
    system: str,
    user: str,
    tool: ToolParam,
    max_output_tokens: int,
) -> Message:
    """One Messages call that must answer by calling ``tool`` (its input
    schema is the answer's shape). Shared by extraction and the digest polish.

    Raises:
        anthropic.APIError: after the SDK's own retries.
    """
    message: MessageParam = {"role": "user", "content": user}
    choice: ToolChoiceToolParam = {"type": "tool", "name": tool["name"]}
    return client.messages.create(
        model=model,
        max_tokens=max_output_tokens,
        system=system,
        messages=[message],
        tools=[tool],
        tool_choice=choice,
    )
