"""The ``kenning`` command line: serve, import, export, search, status, agents, insights."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from kenning.access.keys_cli import keys_app
from kenning.client import KenningClient
from kenning.config import load_settings
from kenning.domain.models import EpisodeCreate
from kenning.errors import KenningError

app = typer.Typer(help="Kenning: graph-native long-term memory.", no_args_is_help=True)
import_app = typer.Typer(help="Import conversations into memory.", no_args_is_help=True)
app.add_typer(import_app, name="import")
agents_app = typer.Typer(help="Memory agents: curator, connector, digest.", no_args_is_help=True)
app.add_typer(agents_app, name="agents")
app.add_typer(keys_app, name="keys")
console = Console()

Hit = dict[str, Any]

#: Episodes per request when importing; well under KENNING_MAX_BATCH.
IMPORT_CHUNK = 100


def _client() -> KenningClient:
    settings = load_settings()
    return KenningClient(settings.url, settings.api_key)


def _fail(exc: KenningError) -> typer.Exit:
    console.print(f"[red]error:[/red] {exc}")
    return typer.Exit(code=1)


#: Seconds an idle keep-alive connection stays open. At uvicorn's 5 s, a pooled
#: client connection that sat out a 429's Retry-After could be closed just as
#: the client sent on it: benchmarks/load.py saw an ``httpx.ReadError`` in
#: about every second 50-client phase (4 in 8), none in 3 phases at 75 s.
KEEP_ALIVE_S = 75


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Default KENNING_HOST.")] = None,
    port: Annotated[int | None, typer.Option(help="Default KENNING_PORT.")] = None,
) -> None:
    """Run the API (OpenAPI docs at /docs) on the configured graph."""
    import uvicorn

    from kenning.api.app import create_app

    try:
        settings = load_settings()
    except KenningError as exc:
        raise _fail(exc) from None
    uvicorn.run(
        create_app(settings),
        host=host or settings.host,
        port=port or settings.port,
        log_level=settings.log_level.lower(),
        # Open requests get this long on SIGTERM; store calls are bounded too,
        # so shutdown ends in a bounded time even while the store hangs.
        timeout_graceful_shutdown=settings.shutdown_timeout_s,
        timeout_keep_alive=KEEP_ALIVE_S,
    )


@import_app.command("locomo")
def import_locomo(
    path: Annotated[Path, typer.Argument(help="A LoCoMo-format JSON file.")],
    conversation: Annotated[
        str | None, typer.Option(help="Only this sample_id, e.g. conv-26.")
    ] = None,
) -> None:
    """Import LoCoMo conversations, each into its own space named by sample_id."""
    from kenning.importers.locomo import read_locomo

    client = _client()
    try:
        for conv in read_locomo(path, conversation):
            _import_conversation(client, conv.sample_id, conv.episodes)
    except KenningError as exc:
        raise _fail(exc) from None
    finally:
        client.close()


def _import_conversation(client: KenningClient, space: str, episodes: list[EpisodeCreate]) -> None:
    started = time.monotonic()
    jobs, created = [], 0
    for i in range(0, len(episodes), IMPORT_CHUNK):
        accepted = client.add_episodes(space, episodes[i : i + IMPORT_CHUNK])
        jobs.append(accepted["job_id"])
        created += accepted["created"]
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), console=console) as progress:
        task = progress.add_task(f"{space}: extracting", total=len(episodes))
        statuses = [client.job(j) for j in jobs]
        while not all(s["finished"] for s in statuses):
            progress.update(task, completed=sum(s["done"] + s["failed"] for s in statuses))
            time.sleep(0.5)
            statuses = [client.job(j) for j in jobs]
        progress.update(task, completed=len(episodes))
    failed = sum(s["failed"] for s in statuses)
    console.print(
        f"{space}: {len(episodes)} episodes ({created} new, {len(episodes) - created} "
        f"already stored), {failed} failed, {time.monotonic() - started:.1f} s"
    )
    for error in {e for s in statuses for e in s["errors"]}:
        console.print(f"  [red]failed:[/red] {error}")


@import_app.command("kenning-jsonl")
def import_jsonl(
    path: Annotated[Path, typer.Argument(help="A file written by `kenning export`.")],
    space: Annotated[
        str | None, typer.Option(help="Target space (must be empty); default: the file's.")
    ] = None,
    new_ids: Annotated[
        bool,
        typer.Option(
            "--new-ids",
            help="Give every item a new id (needed when importing into the database "
            "the file came from).",
        ),
    ] = False,
) -> None:
    """Import a kenning-jsonl export into an empty space, exactly as exported."""
    target = space or _header_space(path)
    client = _client()
    try:
        result = client.import_space(target, path, new_ids)
    except KenningError as exc:
        raise _fail(exc) from None
    finally:
        client.close()
    counts = ", ".join(f"{n} {kind}s" for kind, n in result["counts"].items())
    console.print(f"{result['space']}: imported {counts} (ids {result['ids']})")


def _header_space(path: Path) -> str:
    try:
        with path.open("rb") as file:
            header = json.loads(file.readline())
        return str(header["space"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        console.print(f"[red]error:[/red] {path}: no kenning-jsonl header with a space ({exc})")
        raise typer.Exit(code=1) from None


@app.command("export")
def export_space(
    space: Annotated[str, typer.Option(help="The space to export.")],
    out: Annotated[
        Path | None, typer.Option(help="File to write; default: standard output.")
    ] = None,
) -> None:
    """Export a space (episodes, entities, every fact version, mentions,
    embeddings) as kenning-jsonl."""
    client = _client()
    try:
        if out is None:
            client.export_space(space, sys.stdout.buffer)
            sys.stdout.buffer.flush()
        else:
            with out.open("wb") as file:
                written = client.export_space(space, file)
            Console(stderr=True).print(f"{space}: {written} bytes written to {out}")
    except KenningError as exc:
        raise _fail(exc) from None
    finally:
        client.close()


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="What to look for.")],
    space: Annotated[str, typer.Option(help="Whose memory (space id).")],
    top_k: Annotated[int, typer.Option(min=1, max=100)] = 10,
) -> None:
    """Search a space; prints facts and episodes with dates and sources."""
    client = _client()
    try:
        results = client.search(space, query, top_k)
    except KenningError as exc:
        raise _fail(exc) from None
    finally:
        client.close()
    table = Table("#", "kind", "when", "source", "text", "channels")
    for rank, hit in enumerate(results, 1):
        table.add_row(str(rank), hit["kind"], _when(hit), _source(hit), hit["text"], _channels(hit))
    console.print(table)


def _when(hit: Hit) -> str:
    stamp = hit.get("occurred_at") or hit.get("valid_from") or ""
    return str(stamp)[:10]


def _source(hit: Hit) -> str:
    if fact := hit.get("fact"):
        return f"{fact['subject']} –{fact['predicate']}→ {fact['object']}"
    episode = hit.get("episode") or {}
    meta = episode.get("metadata") or {}
    speaker = episode.get("speaker") or ""
    dia = meta.get("dia_id", "")
    return f"{speaker} {dia}".strip() or f"{len(hit['episode_ids'])} episode(s)"


def _channels(hit: Hit) -> str:
    return " ".join(f"{name}#{c['rank']}" for name, c in hit["channels"].items())


@app.command()
def status() -> None:
    """Show whether the server and its graph answer, and counts per space."""
    client = _client()
    try:
        health = client.health()
        spaces = client.stats()
    except KenningError as exc:
        raise _fail(exc) from None
    finally:
        client.close()
    console.print(f"server {client.url}: {health['status']} (engine {health['engine']})")
    table = Table("space", "episodes", "entities", "facts")
    for row in spaces:
        table.add_row(row["space"], str(row["episodes"]), str(row["entities"]), str(row["facts"]))
    console.print(table)


#: Seconds ``kenning agents run`` waits for its runs before it gives up waiting.
AGENT_WAIT_S = 3600.0


@agents_app.command("run")
def agents_run(
    space: Annotated[str, typer.Option(help="Whose memory (space id).")],
    agent: Annotated[
        str, typer.Option(help="curator, connector, digest, or all (the default).")
    ] = "all",
    auto_fix: Annotated[
        bool, typer.Option("--auto-fix", help="Curator: repair what it finds (undoable).")
    ] = False,
) -> None:
    """Run agents over a space, wait for them, and print each run."""
    client = _client()
    try:
        run_ids = client.run_agents(space, agent, auto_fix)
        runs = _wait_runs(client, space, run_ids)
    except KenningError as exc:
        raise _fail(exc) from None
    finally:
        client.close()
    table = Table("run", "agent", "status", "ms", "insights", "error")
    for run in runs:
        counts = run["stats"].get("insights") or {}
        found = ", ".join(f"{n} {what}" for what, n in counts.items() if n)
        ms = run["stats"].get("ms")
        table.add_row(
            run["id"],
            run["agent"],
            run["status"],
            f"{ms:.0f}" if ms else "",
            found,
            run.get("error") or "",
        )
    console.print(table)
    if any(r["status"] != "succeeded" for r in runs):
        raise typer.Exit(code=1)


def _wait_runs(client: KenningClient, space: str, run_ids: list[str]) -> list[Hit]:
    deadline = time.monotonic() + AGENT_WAIT_S
    with console.status(f"{space}: running {len(run_ids)} agent(s)"):
        while True:
            runs = [client.agent_run(space, run_id) for run_id in run_ids]
            if all(r["status"] != "running" for r in runs) or time.monotonic() > deadline:
                return runs
            time.sleep(0.5)


@app.command("insights")
def list_insights(
    space: Annotated[str, typer.Option(help="Whose memory (space id).")],
    agent: Annotated[str | None, typer.Option(help="Only this agent's.")] = None,
    kind: Annotated[str | None, typer.Option(help="Only this kind, e.g. stale_fact.")] = None,
    status: Annotated[str, typer.Option(help="open, dismissed or resolved.")] = "open",
    limit: Annotated[int, typer.Option(min=1, max=500)] = 50,
) -> None:
    """Print a space's insights, newest first."""
    filters: dict[str, str | int] = {"status": status, "limit": limit}
    filters.update({k: v for k, v in (("agent", agent), ("kind", kind)) if v})
    client = _client()
    try:
        page = client.insights(space, **filters)
    except KenningError as exc:
        raise _fail(exc) from None
    finally:
        client.close()
    table = Table("id", "agent", "kind", "score", "title", "about")
    for item in page["items"]:
        about = ", ".join(e["name"] for e in item["entities"])
        table.add_row(
            item["id"], item["agent"], item["kind"], f"{item['score']:.2f}", item["title"], about
        )
    console.print(table)
