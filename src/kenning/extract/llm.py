"""The shared part of the LLM extractors: turns per call, the context window,
and the fallback to spaCy that keeps every episode.

A provider adapter (:mod:`kenning.extract.openai_extractor`,
:mod:`kenning.extract.anthropic_extractor`) implements :meth:`LLMExtractor._complete`:
one call with the SDK's own retries (429, 5xx, timeouts; ``max_retries``).
Whatever still goes wrong — an SDK error, a refusal, JSON that is not of the
schema, a turn left out of the answer — falls back to spaCy for the episodes
concerned; the reason is recorded on the episode (``extraction_fallback``)
and counted in the job and in ``kenning_llm_fallbacks_total``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from kenning.domain.models import Episode, Extraction
from kenning.extract.llm_schema import MalformedAnswer, load_prompt, parse_answer, render_turns
from kenning.extract.port import Extractor

log = logging.getLogger(__name__)

#: Bounded reasons for a fallback (the Prometheus label values).
FALLBACK_REASONS = (
    "timeout",
    "rate_limited",
    "api_error",
    "connection",
    "refused",
    "malformed",
    "missing",
)


@dataclass(frozen=True, slots=True)
class Completion:
    """One provider answer: the JSON (text or decoded object), or a refusal.

    Attributes:
        data: The answer as JSON text (OpenAI) or tool input (Anthropic);
            None when the model refused or answered without it.
        refusal: The refusal or plain-text answer, when ``data`` is None.
        input_tokens: Prompt tokens the provider billed.
        output_tokens: Answer tokens the provider billed.
    """

    data: object | None
    refusal: str | None
    input_tokens: int
    output_tokens: int


class LLMFailure(Exception):
    """A call that gave no usable answer; ``reason`` is one of :data:`FALLBACK_REASONS`."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason


@dataclass(frozen=True, slots=True)
class LLMCall:
    """What one call cost, for metrics: tokens, wall seconds, episodes asked
    about and how many of them fell back (with the reason, or None)."""

    provider: str
    input_tokens: int
    output_tokens: int
    seconds: float
    episodes: int
    fallbacks: int
    reason: str | None


CallObserver = Callable[[LLMCall], None]


class LLMExtractor:
    """An :class:`~kenning.extract.port.Extractor` that asks an LLM.

    Args:
        fallback: The extractor used for episodes the LLM gave nothing usable
            for (spaCy).
        provider: ``"openai"`` or ``"anthropic"``, for labels.
        model: Model name sent to the provider.
        prompt_version: A file in ``prompts/`` (``KENNING_LLM_PROMPT``).
        context_turns: Earlier turns sent with each call (``KENNING_LLM_CONTEXT_TURNS``).
        turns_per_call: Episodes extracted by one call (``KENNING_LLM_TURNS_PER_CALL``).

    Raises:
        ConfigError: the prompt file does not exist.
    """

    def __init__(
        self,
        fallback: Extractor,
        provider: str,
        model: str,
        prompt_version: str,
        context_turns: int,
        turns_per_call: int,
    ) -> None:
        self.fallback = fallback
        self.provider = provider
        self.model = model
        self.prompt_version = prompt_version
        self.system_prompt = load_prompt(prompt_version)
        self.context_turns = context_turns
        self.turns_per_call = turns_per_call
        #: Recorded on every fact and episode it extracts.
        self.label = f"{provider}:{model}/{prompt_version}"
        self._observer: CallObserver | None = None

    def set_observer(self, observer: CallObserver | None) -> None:
        """Report each call's cost to ``observer`` (the app's metrics)."""
        self._observer = observer

    def extract(self, episodes: Sequence[Episode]) -> list[Extraction]:
        """Extract without earlier context (see :meth:`extract_in_context`)."""
        return self.extract_in_context(episodes, ())

    def extract_in_context(
        self, episodes: Sequence[Episode], history: Sequence[Episode]
    ) -> list[Extraction]:
        """Extract ``episodes`` in calls of ``turns_per_call``, each with up to
        ``context_turns`` earlier turns (from ``history``, then the batch).

        Args:
            episodes: One scope's episodes, in any order.
            history: Earlier episodes of the same conversation (the worker
                reads them from the store), oldest first.

        Returns:
            One extraction per episode, in the order given; never fewer: what
            the LLM could not do, spaCy did (``fallback`` says why).

        Raises:
            ModelError: the spaCy fallback itself failed.
        """
        ordered = sorted(episodes, key=lambda e: (e.occurred_at, e.id))
        done: dict[str, Extraction] = {}
        for start in range(0, len(ordered), self.turns_per_call):
            chunk = ordered[start : start + self.turns_per_call]
            earlier = [*history, *ordered[:start]]
            context = earlier[-self.context_turns :] if self.context_turns else []
            done.update(self._extract_chunk(chunk, context))
        return [done[e.id] for e in episodes]

    def _extract_chunk(
        self, chunk: Sequence[Episode], context: Sequence[Episode]
    ) -> dict[str, Extraction]:
        began = time.perf_counter()
        found: dict[str, Extraction] = {}
        tokens = (0, 0)
        reason: str | None = None
        detail = ""
        try:
            answer = self._complete(self.system_prompt, render_turns(chunk, context))
            tokens = (answer.input_tokens, answer.output_tokens)
            if answer.data is None:
                raise LLMFailure("refused", (answer.refusal or "no structured answer")[:300])
            try:
                found = parse_answer(answer.data, chunk, self.label)
            except MalformedAnswer as exc:
                raise LLMFailure("malformed", str(exc)) from exc
        except LLMFailure as exc:
            reason, detail = exc.reason, str(exc)
            log.warning("LLM extraction of %d turns fell back to spaCy: %s", len(chunk), detail)
        except Exception as exc:  # an answer the SDK could not read must not cost the episodes
            reason, detail = "api_error", f"api_error: {type(exc).__name__}: {exc}"[:300]
            log.exception("LLM extraction of %d turns failed; spaCy extracts them", len(chunk))
        seconds = time.perf_counter() - began
        missing = [e for e in chunk if e.id not in found]
        if missing and reason is None:
            reason, detail = "missing", "missing: the answer left the turn out"
        share = {
            "input_tokens": tokens[0] // len(chunk),
            "output_tokens": tokens[1] // len(chunk),
            "seconds": seconds / len(chunk),
        }
        result = {i: x.model_copy(update=share) for i, x in found.items()}
        if missing:
            result.update(self._fall_back(missing, detail, share))
        self._report(LLMCall(self.provider, *tokens, seconds, len(chunk), len(missing), reason))
        return result

    def _fall_back(
        self, missing: Sequence[Episode], detail: str, share: dict[str, Any]
    ) -> dict[str, Extraction]:
        began = time.perf_counter()
        extracted = self.fallback.extract(missing)
        spacy_s = (time.perf_counter() - began) / len(missing)
        update = {**share, "fallback": detail[:500], "seconds": share["seconds"] + spacy_s}
        return {x.episode_id: x.model_copy(update=update) for x in extracted}

    def _report(self, call: LLMCall) -> None:
        if self._observer is not None:
            try:
                self._observer(call)
            except Exception:  # metrics must never cost an extraction
                log.exception("LLM call observer failed")

    def _complete(self, system: str, user: str) -> Completion:
        """One call to the provider (the SDK retries 429/5xx/timeouts itself).

        Raises:
            LLMFailure: the call failed after its retries.
        """
        raise NotImplementedError
