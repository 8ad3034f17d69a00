"""LLM polish of a digest's text: the configured LLM (``KENNING_EXTRACTOR``
openai or anthropic, with the ``KENNING_LLM_*`` settings) rewrites the
headline and markdown from the deterministic digest JSON, under a versioned
prompt (``kenning/extract/prompts/digest_v1.md``) that forbids adding facts.

The JSON body (``data``) is never changed by the LLM; only ``title`` and
``body`` are. Whatever goes wrong — no answer within
``KENNING_DIGEST_POLISH_TIMEOUT_S``, an SDK error after its retries, a
refusal, JSON not of the schema, a number the digest does not contain —
keeps the template's text; ``data.text`` records which one it is, the model
and prompt version, and the reason for a fallback.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

from pydantic import BaseModel, ValidationError

from kenning.config import Settings
from kenning.errors import ConfigError

log = logging.getLogger(__name__)

#: Name of the OpenAI json_schema and of the Anthropic tool.
SCHEMA_NAME = "record_digest_text"
POLISH_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "headline": {"type": "string", "description": "one sentence"},
        "markdown": {"type": "string", "description": "the digest as markdown"},
    },
    "required": ["headline", "markdown"],
    "additionalProperties": False,
}
#: Bounded reasons for keeping the template (recorded in ``data.text.fallback``).
FALLBACK_REASONS = (
    "timeout",
    "rate_limited",
    "api_error",
    "connection",
    "refused",
    "malformed",
    "unfaithful",
)
#: A number standing alone (not inside an id such as ``ep_01h42``).
_NUMBER = re.compile(r"\b\d+\b")
_MAX_HEADLINE = 300


class PolishFailure(Exception):
    """No usable text; ``reason`` is one of :data:`FALLBACK_REASONS`."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason


@dataclass(frozen=True, slots=True)
class PolishedText:
    """The LLM's headline (one sentence) and markdown page."""

    headline: str
    markdown: str


class _Answer(BaseModel):
    headline: str
    markdown: str


def load_digest_prompt(version: str) -> str:
    """The system prompt ``prompts/<version>.md`` of :mod:`kenning.extract`.

    Raises:
        ConfigError: no such file; names ``KENNING_DIGEST_PROMPT``.
    """
    path = resources.files("kenning.extract") / "prompts" / f"{version}.md"
    if not path.is_file():
        raise ConfigError(f"KENNING_DIGEST_PROMPT: no prompt file prompts/{version}.md")
    return path.read_text(encoding="utf-8")


class Polisher:
    """Asks an LLM for a digest's text; a provider adapter implements
    :meth:`_complete` (one call, with the SDK's own retries).

    Args:
        provider: ``"openai"`` or ``"anthropic"``.
        model: Model name sent to the provider.
        prompt_version: A file in ``kenning/extract/prompts/`` (``KENNING_DIGEST_PROMPT``).
        timeout_s: Longest wait for the whole polish, retries included
            (``KENNING_DIGEST_POLISH_TIMEOUT_S``), in seconds.

    Raises:
        ConfigError: the prompt file does not exist.
    """

    def __init__(self, provider: str, model: str, prompt_version: str, timeout_s: float) -> None:
        self.provider = provider
        self.model = model
        self.prompt_version = prompt_version
        self.timeout_s = timeout_s
        self.system_prompt = load_digest_prompt(prompt_version)

    def polish(self, digest_json: str, template: str) -> PolishedText:
        """The LLM's text for one digest (blocking; see :func:`polish_text`).

        Args:
            digest_json: The digest body as JSON, the only source of facts.
            template: The deterministic markdown; numbers the text may use
                come from it or from the JSON.

        Raises:
            PolishFailure: no usable answer (reason in :data:`FALLBACK_REASONS`).
        """
        data = self._complete(self.system_prompt, "Digest JSON:\n" + digest_json)
        try:
            decoded = json.loads(data) if isinstance(data, str | bytes) else data
            answer = _Answer.model_validate(decoded)
        except (json.JSONDecodeError, ValidationError) as exc:
            raise PolishFailure("malformed", str(exc).splitlines()[0][:200]) from exc
        headline, markdown = " ".join(answer.headline.split()), answer.markdown.strip()
        if not headline or not markdown or len(headline) > _MAX_HEADLINE:
            raise PolishFailure("malformed", "empty headline or markdown, or headline too long")
        known = _numbers(digest_json) | _numbers(template)
        invented = sorted(_numbers(headline + "\n" + markdown) - known)
        if invented:
            raise PolishFailure("unfaithful", f"numbers not in the digest: {invented[:5]}")
        return PolishedText(headline, markdown + "\n")

    def _complete(self, system: str, user: str) -> object:
        """The answer's JSON (text or decoded object).

        Raises:
            PolishFailure: the call failed after its retries, or was refused.
        """
        raise NotImplementedError


def _numbers(text: str) -> set[int]:
    """The numbers written in ``text`` ("09" and "9" are the same)."""
    return {int(n) for n in _NUMBER.findall(text)}


async def polish_text(
    polisher: Polisher, digest_json: str, template: str
) -> tuple[PolishedText | None, str | None]:
    """Run :meth:`Polisher.polish` in a thread, bounded by its ``timeout_s``.

    Returns:
        (text, None) on success; (None, reason and detail) when the template stays.
    """
    try:
        async with asyncio.timeout(polisher.timeout_s):
            text = await asyncio.to_thread(polisher.polish, digest_json, template)
    except TimeoutError:
        detail = f"timeout: no answer within {polisher.timeout_s:g} s"
    except PolishFailure as exc:
        detail = str(exc)[:300]
    except Exception as exc:  # an SDK surprise must not cost the digest
        log.exception("digest polish failed; the template text stays")
        detail = f"api_error: {type(exc).__name__}: {exc}"[:300]
    else:
        return text, None
    log.warning("digest polish fell back to the template: %s", detail)
    return None, detail


def build_polisher(settings: Settings, http_client: Any = None) -> Polisher | None:
    """The polisher of ``settings``: None when ``KENNING_DIGEST_POLISH=off``
    or the extractor is spaCy (no LLM configured).

    Args:
        http_client: An ``httpx2.Client`` for the SDK (tests pass a mock
            transport); None: the SDK's own.

    Raises:
        ConfigError: no API key (see ``extract.factory.llm_api_key``) or no prompt file.
    """
    s = settings
    if s.digest_polish == "off" or s.extractor == "spacy":
        return None
    from kenning.extract.factory import DEFAULT_MODELS, llm_api_key

    common: dict[str, Any] = {
        "api_key": llm_api_key(s),
        "base_url": s.llm_base_url or None,
        "timeout": s.digest_polish_timeout_s,
        "max_retries": s.llm_max_retries,
        "http_client": http_client,
    }
    model = s.llm_model or DEFAULT_MODELS[s.extractor]
    args = (model, s.digest_prompt, s.digest_polish_timeout_s, s.llm_max_output_tokens)
    if s.extractor == "openai":
        import openai

        from kenning.agents.digest.polish_providers import OpenAIPolisher

        return OpenAIPolisher(openai.OpenAI(**common), *args)
    import anthropic

    from kenning.agents.digest.polish_providers import AnthropicPolisher

    return AnthropicPolisher(anthropic.Anthropic(**common), *args)
