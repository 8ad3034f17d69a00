"""``kenning keys create|list|revoke``: managed API keys, written to the store
directly (so the first admin key needs no running service or key).

With the embedded FalkorDB only one process may own the data dir: run these
while the service is stopped (or use ``KENNING_BOOTSTRAP_ADMIN_KEY`` or
``/v1/keys``). With Neo4j or a ``falkordb://`` server they work any time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated, TypeVar

import typer
from pydantic import TypeAdapter, ValidationError
from rich.console import Console
from rich.table import Table

from kenning.access.keys import KeyService
from kenning.access.principal import Role
from kenning.config import load_settings
from kenning.domain.models import SpaceId, TenantId
from kenning.errors import KenningError
from kenning.store.factory import create_store

keys_app = typer.Typer(
    help="Managed API keys (writes to the store directly).", no_args_is_help=True
)
console = Console()
T = TypeVar("T")

_TENANT = TypeAdapter(TenantId)
_SPACE = TypeAdapter(SpaceId)
TenantOption = Annotated[str, typer.Option(help="The key's tenant.")]


def _with_keys(work: Callable[[KeyService], Awaitable[T]]) -> T:
    async def run() -> T:
        store = create_store(load_settings())
        await store.open()
        try:
            return await work(KeyService(store))
        finally:
            await store.close()

    try:
        return asyncio.run(run())
    except KenningError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(code=1) from None


def _checked(adapter: TypeAdapter[str], value: str, option: str) -> str:
    try:
        return adapter.validate_python(value)
    except ValidationError as exc:
        console.print(f"[red]error:[/red] {option}: {exc.errors()[0]['msg']}")
        raise typer.Exit(code=2) from None


@keys_app.command("create")
def create(
    tenant: TenantOption,
    admin: Annotated[bool, typer.Option("--admin", help="An admin key (else member).")] = False,
    name: Annotated[str, typer.Option(help="A label for people.")] = "",
    space: Annotated[
        list[str] | None, typer.Option(help="A space a member key may use; repeat for more.")
    ] = None,
    expires_at: Annotated[
        datetime | None, typer.Option(help="When the key stops working (UTC if no offset).")
    ] = None,
) -> None:
    """Create a key and print its secret: shown this once, stored only as a hash."""
    tenant = _checked(_TENANT, tenant, "--tenant")
    spaces = [_checked(_SPACE, s, "--space") for s in space or []]
    if admin and spaces:
        console.print("[red]error:[/red] --space: an admin key uses every space")
        raise typer.Exit(code=2)
    role: Role = "admin" if admin else "member"
    until = None
    if expires_at is not None:  # typer parses no offset: read it as UTC
        until = expires_at.astimezone(UTC) if expires_at.tzinfo else expires_at.replace(tzinfo=UTC)
    key, secret = _with_keys(lambda keys: keys.create(tenant, role, name, spaces, until))
    console.print(f"created {role} key {key.id} of tenant {tenant}; the secret, shown once:")
    # Plain print: the secret on a line of its own, nothing wrapped or styled.
    print(secret)


@keys_app.command("list")
def list_keys(tenant: TenantOption) -> None:
    """The tenant's keys (never their secrets)."""
    tenant = _checked(_TENANT, tenant, "--tenant")
    found = _with_keys(lambda keys: keys.list(tenant))
    table = Table("id", "name", "role", "spaces", "created", "last used", "expires", "revoked")
    for k in found:
        table.add_row(
            k.id,
            k.name,
            k.role,
            ",".join(k.spaces),
            k.created_at.isoformat(timespec="seconds"),
            k.last_used_at.isoformat(timespec="seconds") if k.last_used_at else "",
            k.expires_at.isoformat(timespec="seconds") if k.expires_at else "",
            k.revoked_at.isoformat(timespec="seconds") if k.revoked_at else "",
        )
    console.print(table)


@keys_app.command("revoke")
def revoke(
    key_id: Annotated[str, typer.Argument(help="The key's id (key_...).")], tenant: TenantOption
) -> None:
    """Revoke a key: its next request gets 401."""
    tenant = _checked(_TENANT, tenant, "--tenant")
    key = _with_keys(lambda keys: keys.revoke(tenant, key_id))
    if key is None:
        console.print(f"[red]error:[/red] no key {key_id!r} in tenant {tenant}")
        raise typer.Exit(code=1)
    console.print(f"revoked {key.id}")
