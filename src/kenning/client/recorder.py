"""The wrap's background recorder: turns go to Kenning from a worker thread,
never from the caller's; what Kenning does not take waits in a small bounded
queue (in memory, optionally mirrored to a file) and is sent when it answers
again."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kenning.client.errors import ApiError

log = logging.getLogger(__name__)

#: Episodes per ``POST /v1/episodes`` when queued turns are sent together.
SEND_BATCH = 100


@dataclass(frozen=True, slots=True)
class Turn:
    """One exchange to record: its space and its episodes as JSON objects."""

    space: str
    episodes: list[dict[str, Any]]


Send = Callable[[str, list[dict[str, Any]]], None]


class Recorder:
    """Sends turns from a daemon thread; keeps those Kenning did not take.

    Args:
        send: Posts episodes of one space; raises on failure (a retryable
            error keeps the turns, any other drops them with a warning).
        max_turns: Most turns kept while Kenning is away; the oldest go first.
        path: A JSON Lines file mirroring the queue, read back at start, so
            turns survive a restart of the app; None keeps them in memory only.
        backoff_s: First and longest wait between tries while sends fail.
    """

    def __init__(
        self,
        send: Send,
        max_turns: int = 1000,
        path: Path | None = None,
        backoff_s: tuple[float, float] = (0.5, 30.0),
    ) -> None:
        self._send = send
        self._path = path
        self._first_wait, self._max_wait = backoff_s
        self._wait = self._first_wait
        self._queue: deque[Turn] = deque(maxlen=max(1, max_turns))
        self._cond = threading.Condition()
        self._retry_at = 0.0
        self._closed = False
        self._busy = False
        #: Turns dropped because the queue was full, or refused by Kenning.
        self.dropped = 0
        self._load()
        self._thread = threading.Thread(target=self._run, name="kenning-recorder", daemon=True)
        self._thread.start()

    def record(self, space: str, episodes: list[dict[str, Any]]) -> None:
        """Queue a turn; returns at once."""
        with self._cond:
            if len(self._queue) == self._queue.maxlen:
                self.dropped += 1
                log.warning("kenning: turn queue full; the oldest unrecorded turn is dropped")
            self._queue.append(Turn(space, episodes))
            self._save()
            self._cond.notify_all()

    def nudge(self) -> None:
        """Kenning answered (e.g. a recall): try the queued turns now."""
        with self._cond:
            if self._queue and self._retry_at:
                self._retry_at, self._wait = 0.0, self._first_wait
                self._cond.notify_all()

    @property
    def pending(self) -> int:
        """Turns not yet recorded (being sent included)."""
        with self._cond:
            return len(self._queue)

    def flush(self, timeout_s: float = 5.0) -> bool:
        """Send what is queued now, waiting up to ``timeout_s`` seconds;
        True when nothing is left."""
        deadline = time.monotonic() + timeout_s
        with self._cond:
            self._retry_at, self._wait = 0.0, self._first_wait
            self._cond.notify_all()
            while self._queue or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def close(self, timeout_s: float = 2.0) -> None:
        """Flush for up to ``timeout_s`` seconds, then stop the thread; what is
        left stays in the file (when there is one)."""
        self.flush(timeout_s)
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._thread.join(timeout=1.0)

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._closed and (not self._queue or time.monotonic() < self._retry_at):
                    wait = self._retry_at - time.monotonic() if self._queue else None
                    self._cond.wait(wait)
                if self._closed:
                    return
                batch = self._batch()
                self._busy = True
            try:
                self._deliver(batch)
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()

    def _batch(self) -> list[Turn]:
        """The oldest turns of one space, up to SEND_BATCH episodes."""
        first = self._queue[0]
        batch, count = [first], len(first.episodes)
        for turn in list(self._queue)[1:]:
            if turn.space != first.space or count + len(turn.episodes) > SEND_BATCH:
                break
            batch.append(turn)
            count += len(turn.episodes)
        return batch

    def _deliver(self, batch: list[Turn]) -> None:
        episodes = [e for turn in batch for e in turn.episodes]
        try:
            self._send(batch[0].space, episodes)
        except Exception as exc:  # fail-open: nothing may escape the thread
            if isinstance(exc, ApiError) and not exc.retryable:
                log.warning("kenning: %d turn(s) refused and dropped: %s", len(batch), exc)
                self._done(batch, dropped=True)
                return
            with self._cond:
                self._retry_at = time.monotonic() + self._wait
                self._wait = min(self._wait * 2, self._max_wait)
            log.info("kenning: recording failed (%s); %d turn(s) kept", exc, self.pending)
            return
        self._done(batch)

    def _done(self, batch: list[Turn], dropped: bool = False) -> None:
        with self._cond:
            for turn in batch:
                # The queue may have dropped it as the oldest meanwhile.
                with contextlib.suppress(ValueError):
                    self._queue.remove(turn)
            if dropped:
                self.dropped += len(batch)
            self._retry_at, self._wait = 0.0, self._first_wait
            self._save()

    def _save(self) -> None:
        if self._path is None:
            return
        try:
            tmp = self._path.with_suffix(self._path.suffix + ".tmp")
            lines = [json.dumps({"space": t.space, "episodes": t.episodes}) for t in self._queue]
            tmp.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
            os.replace(tmp, self._path)
        except OSError as exc:
            log.warning("kenning: could not write the turn queue file %s: %s", self._path, exc)

    def _load(self) -> None:
        if self._path is None or not self._path.exists():
            return
        try:
            for line in self._path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    item = json.loads(line)
                    self._queue.append(Turn(str(item["space"]), list(item["episodes"])))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("kenning: turn queue file %s unreadable (%s); ignored", self._path, exc)
