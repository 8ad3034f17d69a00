"""Build, start and stop the local Neo4j Community server (no Docker needed).

``deploy/neo4j/pom.xml`` pins Neo4j 5.26 LTS and Neo4j Browser; Maven resolves
their jars from Maven Central into ``deploy/neo4j/target/lib`` and compiles the
launcher (``Launcher.java``). This module runs it in the background with Java
17+, waits until Bolt answers, and stops it with SIGTERM (Neo4j shuts down
cleanly on it). Used by ``make neo4j`` / ``make neo4j-stop`` / ``make
serve-neo4j`` and by the test suite's session fixture.

    python deploy/neo4j/local.py build
    python deploy/neo4j/local.py start --home .neo4j [--bolt 7687] [--http 7474]
    python deploy/neo4j/local.py stop --home .neo4j

Only the standard library is used, so it runs before any virtualenv exists.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGET = HERE / "target"
JAR = TARGET / "kenning-neo4j-launcher-1.0.jar"
#: Password of the local development server (auth is on; override with
#: NEO4J_PASSWORD). Never used for anything but this loopback-only server.
DEFAULT_PASSWORD = "kenning-dev"
#: A cold start on 2 busy cores took ~80 s here; leave room for a slow machine.
START_TIMEOUT_S = 240.0
STOP_TIMEOUT_S = 60.0
#: What Launcher.java prints once the server has started.
READY_LINE = b"neo4j ready"


@dataclass(frozen=True)
class LocalNeo4j:
    """A started server: its process and where to reach it."""

    home: Path
    bolt_port: int
    http_port: int
    password: str
    pid: int

    @property
    def bolt_url(self) -> str:
        return f"bolt://127.0.0.1:{self.bolt_port}"

    @property
    def browser_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/browser/"


def build(quiet: bool = True) -> None:
    """Resolve the jars and compile the launcher (Maven); skipped when up to date.

    Raises:
        RuntimeError: Maven is missing or the build failed.
    """
    sources = [HERE / "pom.xml", *(HERE / "src").rglob("*.java")]
    if JAR.exists() and (TARGET / "lib").is_dir():
        built = JAR.stat().st_mtime
        if all(path.stat().st_mtime <= built for path in sources):
            return
    mvn = shutil.which("mvn")
    if mvn is None:
        raise RuntimeError("Maven (mvn) is needed to build the local Neo4j launcher")
    cmd = [mvn, "-B", "-f", str(HERE / "pom.xml"), "package", "-DskipTests"]
    if quiet:
        cmd.insert(2, "-q")
    subprocess.run(cmd, check=True)


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0):
            return True
    except OSError:
        return False


def _pid_file(home: Path) -> Path:
    return home / "neo4j.pid"


def start(
    home: Path,
    bolt_port: int = 7687,
    http_port: int = 7474,
    password: str = DEFAULT_PASSWORD,
    heap: str = "1g",
) -> LocalNeo4j:
    """Start the server in the background and wait until Bolt answers.

    The server's output goes to ``home/launcher.log``. The first start sets the
    password; later starts on the same ``home`` keep the one set then.

    Raises:
        RuntimeError: Java is missing, a port is taken, or the server did not
            answer within :data:`START_TIMEOUT_S` (its log tail is included).
    """
    java = shutil.which("java")
    if java is None:
        raise RuntimeError("Java 17+ is needed to run the local Neo4j")
    for port in (bolt_port, http_port):
        if _answers(port):
            raise RuntimeError(f"port {port} on 127.0.0.1 is already in use")
    build()
    home = home.resolve()
    home.mkdir(parents=True, exist_ok=True)
    log = home / "launcher.log"
    classpath = f"{JAR}{os.pathsep}{TARGET / 'lib'}/*"
    cmd = [java, f"-Xmx{heap}", "-XX:+UseG1GC", "-cp", classpath, "dev.kenning.neo4j.Launcher"]
    offset = log.stat().st_size if log.exists() else 0  # earlier starts' lines
    with log.open("ab") as out:
        process = subprocess.Popen(
            [*cmd, str(home), str(bolt_port), str(http_port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "NEO4J_PASSWORD": password},
            start_new_session=True,  # a Ctrl-C in the caller's terminal is not for Neo4j
        )
    _pid_file(home).write_text(str(process.pid))
    deadline = time.monotonic() + START_TIMEOUT_S
    # Bolt accepts connections before the databases are up; the launcher
    # prints its ready line only once the server has fully started.
    while not (_answers(bolt_port) and READY_LINE in log.read_bytes()[offset:]):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            tail = log.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"Neo4j did not start (log {log}):\n{tail}")
        time.sleep(0.5)
    return LocalNeo4j(home, bolt_port, http_port, password, process.pid)


def stop(home: Path, timeout_s: float = STOP_TIMEOUT_S) -> bool:
    """SIGTERM the server started on ``home``; SIGKILL after ``timeout_s``.

    Returns:
        Whether a running server was found.
    """
    pid_file = _pid_file(home.resolve())
    if not pid_file.exists():
        return False
    pid = int(pid_file.read_text())
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pid_file.unlink()
        return False
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        if _reaped(pid):
            break
        time.sleep(0.2)
    else:
        os.kill(pid, signal.SIGKILL)
    pid_file.unlink(missing_ok=True)
    return True


def _reaped(pid: int) -> bool:
    # A child of this process (tests) must be waited for, or it stays a zombie
    # that still answers kill(pid, 0).
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return False
    return done == pid


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["build", "start", "stop"])
    parser.add_argument("--home", type=Path, default=Path(".neo4j"))
    parser.add_argument("--bolt", type=int, default=7687)
    parser.add_argument("--http", type=int, default=7474)
    args = parser.parse_args(argv)
    if args.command == "build":
        build(quiet=False)
        return 0
    if args.command == "stop":
        print("stopped" if stop(args.home) else "not running")
        return 0
    password = os.environ.get("NEO4J_PASSWORD", DEFAULT_PASSWORD)
    server = start(args.home, args.bolt, args.http, password)
    print(f"Neo4j {server.bolt_url} (user neo4j) — Browser {server.browser_url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
