"""The digest polish through the official SDKs: OpenAI Chat Completions with
a strict JSON-schema ``response_format`` (also any OpenAI-compatible server
at ``KENNING_LLM_BASE_URL``), Anthropic Messages with one forced tool."""

from __future__ import annotations

import anthropic
import openai
from anthropic.types import ToolParam

from kenning.agents.digest.polish import POLISH_SCHEMA, SCHEMA_NAME, Polisher, PolishFailure
from kenning.extract.anthropic_extractor import error_reason as anthropic_reason
from kenning.extract.anthropic_extractor import forced_tool_message
from kenning.extract.openai_extractor import error_reason as openai_reason
from kenning.extract.openai_extractor import json_schema_chat

TOOL_DESCRIPTION = "Record the digest's headline and markdown."


class OpenAIPolisher(Polisher):
    """Digest text by an OpenAI chat model.

    Args:
        client: An ``openai.OpenAI`` client with the ``KENNING_LLM_*`` key,
            base URL and retries, and ``KENNING_DIGEST_POLISH_TIMEOUT_S``.
        model, prompt_version, timeout_s: See :class:`Polisher`.
        max_output_tokens: ``max_completion_tokens`` of the call.
    """

    def __init__(
        self,
        client: openai.OpenAI,
        model: str,
        prompt_version: str = "digest_v1",
        timeout_s: float = 30.0,
        max_output_tokens: int = 4096,
    ) -> None:
        super().__init__("openai", model, prompt_version, timeout_s)
        self.client = client
        self.max_output_tokens = max_output_tokens

    def _complete(self, system: str, user: str) -> object:
        try:
            response = json_schema_chat(
                self.client,
                self.model,
                system,
                user,
                (SCHEMA_NAME, POLISH_SCHEMA),
                self.max_output_tokens,
            )
        except openai.APIError as exc:
            raise PolishFailure(openai_reason(exc), f"{type(exc).__name__}: {exc}"[:300]) from exc
        if not response.choices:
            raise PolishFailure("refused", "no choices in the answer")
        message = response.choices[0].message
        if message.refusal or not message.content:
            raise PolishFailure("refused", (message.refusal or "empty answer")[:300])
        return message.content


class AnthropicPolisher(Polisher):
    """Digest text by a Claude model (a forced tool call).

    Args:
        client: An ``anthropic.Anthropic`` client, built as for :class:`OpenAIPolisher`.
        model, prompt_version, timeout_s: See :class:`Polisher`.
        max_output_tokens: ``max_tokens`` of the call.
    """

    def __init__(
        self,
        client: anthropic.Anthropic,
        model: str,
        prompt_version: str = "digest_v1",
        timeout_s: float = 30.0,
        max_output_tokens: int = 4096,
    ) -> None:
        super().__init__("anthropic", model, prompt_version, timeout_s)
        self.client = client
        self.max_output_tokens = max_output_tokens

    def _complete(self, system: str, user: str) -> object:
        tool: ToolParam = {
            "name": SCHEMA_NAME,
            "description": TOOL_DESCRIPTION,
            "input_schema": POLISH_SCHEMA,
        }
        try:
            response = forced_tool_message(
                self.client, self.model, system, user, tool, self.max_output_tokens
            )
        except anthropic.APIError as exc:
            raise PolishFailure(
                anthropic_reason(exc), f"{type(exc).__name__}: {exc}"[:300]
            ) from exc
        if response.stop_reason == "refusal":
            raise PolishFailure("refused", "stop_reason refusal")
        for block in response.content:
            if block.type == "tool_use" and block.name == SCHEMA_NAME:
                return block.input
        text = " ".join(b.text for b in response.content if b.type == "text")
        raise PolishFailure("refused", (text or f"no tool call ({response.stop_reason})")[:300])
