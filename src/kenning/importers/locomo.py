"""Read LoCoMo-format conversations (Maharana et al., ACL 2024) as episodes.

A file is a JSON list of items with ``sample_id`` and ``conversation``:
``speaker_a``, ``speaker_b``, ``session_N_date_time`` ("1:56 pm on 8 May, 2023")
and ``session_N`` (turns ``{speaker, dia_id, text, img_url?, blip_caption?}``).
Generated annotations (summaries, observations) are ignored: only what was
said becomes memory.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kenning.domain.models import EpisodeCreate
from kenning.errors import InputError

_SESSION = re.compile(r"^session_(\d+)$")
#: LoCoMo's session stamp, e.g. "1:56 pm on 8 May, 2023". No zone is given: UTC.
_STAMP = "%I:%M %p on %d %B, %Y"


@dataclass(frozen=True, slots=True)
class Conversation:
    """One LoCoMo conversation as episodes in the order they were said."""

    sample_id: str
    speakers: tuple[str, str]
    episodes: list[EpisodeCreate]


def session_time(stamp: str) -> datetime:
    """Parse a LoCoMo session stamp as UTC.

    Raises:
        InputError: the stamp is not in LoCoMo's format.
    """
    try:
        return datetime.strptime(stamp.strip(), _STAMP).replace(tzinfo=UTC)
    except ValueError:
        raise InputError(f"unreadable session time {stamp!r}", field="date_time") from None


def _turn(
    sample_id: str, session: int, index: int, turn: dict[str, Any], at: datetime
) -> EpisodeCreate:
    metadata: dict[str, str | int | float | bool | None] = {
        "dia_id": turn["dia_id"],
        "session": session,
        "turn": index,
    }
    if turn.get("blip_caption"):
        metadata["image_caption"] = turn["blip_caption"]
    return EpisodeCreate(
        content=turn["text"],
        role="user",
        speaker=turn["speaker"],
        occurred_at=at,
        idempotency_key=f"locomo:{sample_id}:{turn['dia_id']}",
        source="locomo",
        metadata=metadata,
    )


def _conversation(item: dict[str, Any]) -> Conversation:
    sample_id = str(item["sample_id"])
    conv = item["conversation"]
    sessions = sorted(int(m.group(1)) for k in conv if (m := _SESSION.match(k)))
    episodes: list[EpisodeCreate] = []
    for n in sessions:
        at = session_time(conv[f"session_{n}_date_time"])
        for index, turn in enumerate(conv[f"session_{n}"]):
            if turn.get("text"):
                episodes.append(_turn(sample_id, n, index, turn, at))
    return Conversation(sample_id, (conv["speaker_a"], conv["speaker_b"]), episodes)


def read_locomo(path: Path, conversation: str | None = None) -> list[Conversation]:
    """Read a LoCoMo-format file; optionally only the conversation ``sample_id``.

    Raises:
        InputError: the file is missing, not LoCoMo JSON, or has no such conversation.
    """
    try:
        data = json.loads(path.read_text("utf-8"))
        items = [i for i in data if conversation is None or i["sample_id"] == conversation]
        result = [_conversation(i) for i in items]
    except FileNotFoundError:
        raise InputError(f"no such file: {path}", field="path") from None
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise InputError(f"{path} is not a LoCoMo-format file: {exc}", field="path") from exc
    if conversation is not None and not result:
        raise InputError(f"{path} has no conversation {conversation!r}", field="conversation")
    return result
