"""Build the configured extractor from ``KENNING_EXTRACTOR`` and ``KENNING_LLM_*``."""

from __future__ import annotations

import os
from typing import Any

from kenning.config import Settings
from kenning.errors import ConfigError
from kenning.extract.llm import LLMExtractor
from kenning.extract.port import Extractor

#: Model used when ``KENNING_LLM_MODEL`` is empty.
DEFAULT_MODELS = {"openai": "gpt-4o-mini", "anthropic": "claude-haiku-4-5"}
#: The SDKs' own key variables, read when ``KENNING_LLM_API_KEY`` is empty.
SDK_KEY_VARS = {"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY"}
#: Sent to an OpenAI-compatible server that needs no key (the SDK insists on one).
NO_KEY = "no-key"


def llm_api_key(settings: Settings) -> str:
    """The key for the configured LLM provider.

    ``KENNING_LLM_API_KEY``, else the SDK's own variable, else (for an
    OpenAI-compatible ``KENNING_LLM_BASE_URL``) a placeholder.

    Raises:
        ConfigError: an LLM extractor without a key (naming both variables).
    """
    provider = settings.extractor
    key = settings.llm_api_key or os.environ.get(SDK_KEY_VARS[provider], "")
    if key:
        return key
    if provider == "openai" and settings.llm_base_url:
        return NO_KEY
    raise ConfigError(
        f"KENNING_LLM_API_KEY: KENNING_EXTRACTOR={provider} needs an API key; set "
        f"KENNING_LLM_API_KEY or {SDK_KEY_VARS[provider]}"
        + (" (or KENNING_LLM_BASE_URL for a local server)" if provider == "openai" else "")
    )


def build_llm_extractor(
    settings: Settings, fallback: Extractor, http_client: Any = None
) -> LLMExtractor:
    """The OpenAI or Anthropic extractor of ``settings``, with ``fallback``
    (spaCy) for what the model cannot do.

    Args:
        settings: ``extractor`` must be ``openai`` or ``anthropic``.
        fallback: The spaCy extractor.
        http_client: An ``httpx2.Client`` for the SDK (tests pass one with a
            mock transport); None: the SDK's own.

    Raises:
        ConfigError: no API key, or the prompt file is missing.
    """
    s = settings
    key = llm_api_key(s)
    model = s.llm_model or DEFAULT_MODELS[s.extractor]
    common: dict[str, Any] = {
        "api_key": key,
        "base_url": s.llm_base_url or None,
        "timeout": s.llm_timeout_s,
        "max_retries": s.llm_max_retries,
        "http_client": http_client,
    }
    tuning: dict[str, Any] = {
        "prompt_version": s.llm_prompt,
        "context_turns": s.llm_context_turns,
        "turns_per_call": s.llm_turns_per_call,
        "max_output_tokens": s.llm_max_output_tokens,
    }
    if s.extractor == "openai":
        import openai

        from kenning.extract.openai_extractor import OpenAIExtractor

        return OpenAIExtractor(openai.OpenAI(**common), fallback, model, **tuning)
    if s.extractor == "anthropic":
        import anthropic

        from kenning.extract.anthropic_extractor import AnthropicExtractor

        return AnthropicExtractor(anthropic.Anthropic(**common), fallback, model, **tuning)
    raise ConfigError(f"KENNING_EXTRACTOR: {s.extractor!r} is not an LLM extractor")
