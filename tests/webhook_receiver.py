"""A local webhook receiver for the tests: a threaded HTTP server on
127.0.0.1 that records every request and answers as told per path."""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Received:
    """One request as the receiver read it."""

    path: str
    headers: dict[str, str]
    body: bytes
    status: int

    @property
    def event(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.body)
        return value


@dataclass
class Receiver:
    """Answers 200, except: the first ``fail_first[path]`` requests to a path
    get 500; requests to a path in ``hold`` wait until its event is set."""

    url: str = ""
    received: list[Received] = field(default_factory=list)
    fail_first: dict[str, int] = field(default_factory=dict)
    hold: dict[str, threading.Event] = field(default_factory=dict)
    #: Paths in arrival order, recorded before answering (a held request too).
    arrived: list[str] = field(default_factory=list)
    _seen: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, path: str) -> int:
        with self._lock:
            self.arrived.append(path)
        gate = self.hold.get(path)
        if gate is not None:
            gate.wait(timeout=60)
        with self._lock:
            self._seen[path] += 1
            return 500 if self._seen[path] <= self.fail_first.get(path, 0) else 200

    def record(self, item: Received) -> None:
        with self._lock:
            self.received.append(item)

    def at(self, path: str, status: int | None = None) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.path == path and status in (None, r.status)]

    def wait_for(
        self, path: str, count: int, status: int | None = 200, timeout_s: float = 120
    ) -> list[Received]:
        """Wait until ``path`` got ``count`` requests answered ``status``."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            got = self.at(path, status)
            if len(got) >= count:
                return got
            time.sleep(0.05)
        raise AssertionError(f"{path}: {len(self.at(path, status))} of {count} requests")


def start_receiver() -> tuple[Receiver, ThreadingHTTPServer]:
    """A receiver listening on a free port of 127.0.0.1 (stop with ``shutdown()``)."""
    receiver = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            status = receiver.answer(self.path)
            headers = {k.lower(): v for k, v in self.headers.items()}
            receiver.record(Received(self.path, headers, body, status))
            try:
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()
            except OSError:  # the sender gave up (a stopped app)
                pass

        def log_message(self, format: str, *args: Any) -> None:
            pass

    # The default listen backlog (5) drops some of a batch of concurrent
    # deliveries; the kernel retries them after 1 s.
    class Server(ThreadingHTTPServer):
        request_queue_size = 128

    server = Server(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}"
    return receiver, server
