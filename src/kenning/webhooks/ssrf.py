"""Where a webhook may point: http(s) URLs of public addresses only (SSRF).

A URL is checked when a webhook is registered and again before every try,
on the addresses its host resolves to *then*: a name that resolved to a
public address at registration and to 127.0.0.1 later (DNS rebinding) is
refused at delivery. The delivery then connects to the address checked, not
to a second resolution (see :class:`Target`).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from kenning.errors import InputError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
#: Seconds a DNS lookup of a webhook host may take.
RESOLVE_TIMEOUT_S = 5.0


@dataclass(frozen=True, slots=True)
class Target:
    """A checked URL and the address to connect to.

    Attributes:
        url: The URL with its host replaced by ``address`` (connect here).
        host: The original host, sent as ``Host`` and as the TLS server name.
        address: The checked IP address.
    """

    url: str
    host: str
    address: str


def check_scheme(url: str, field: str = "url") -> tuple[str, str, int]:
    """``(scheme, host, port)`` of an http(s) URL with a host.

    Raises:
        InputError: another scheme, no host, credentials in it, or a bad port.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise InputError(f"not a valid URL: {exc}", field) from None
    if parts.scheme not in ("http", "https"):
        raise InputError("must be an http:// or https:// URL", field)
    if not parts.hostname:
        raise InputError("must name a host", field)
    if parts.username is not None or parts.password is not None:
        raise InputError("must not hold credentials (sign with the secret instead)", field)
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80)


def refused_reason(address: IPAddress) -> str | None:
    """Why ``address`` may not be a webhook target, or None when it is public."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_private:
        return "a private-range address"
    if address.is_multicast or address.is_unspecified or address.is_reserved:
        return "a reserved address"
    if not address.is_global:
        return "not a public address"
    return None


async def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to (an IP literal: itself).

    Raises:
        InputError: the host does not resolve (within :data:`RESOLVE_TIMEOUT_S`).
    """
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(RESOLVE_TIMEOUT_S):
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, TimeoutError, UnicodeError, ValueError) as exc:
        # A name no resolver takes (a NUL, a label over 63 characters) is as bad.
        raise InputError(f"host {host!r} does not resolve: {exc}", "url") from None
    found = {ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos}
    if not found:
        raise InputError(f"host {host!r} does not resolve", "url")
    return sorted(found, key=lambda a: (a.version, int(a)))


async def check_url(url: str, allow_private: bool, field: str = "url") -> Target:
    """Check ``url`` and resolve its host now; every address must be public
    unless ``allow_private`` (``KENNING_WEBHOOK_ALLOW_PRIVATE``).

    Returns:
        The target to connect to (the first address, pinned).

    Raises:
        InputError: naming ``field`` and the rule broken.
    """
    scheme, host, port = check_scheme(url, field)
    addresses = await resolve(host, port)
    if not allow_private:
        for address in addresses:
            if (reason := refused_reason(address)) is not None:
                raise InputError(
                    f"host {host!r} resolves to {address}, {reason}; webhooks may only "
                    "target public addresses (KENNING_WEBHOOK_ALLOW_PRIVATE allows others)",
                    field,
                )
    pinned = addresses[0]
    netloc = f"[{pinned}]" if pinned.version == 6 else str(pinned)
    parts = urlsplit(url)
    if parts.port is not None:
        netloc = f"{netloc}:{parts.port}"
    pinned_url = urlunsplit((scheme, netloc, parts.path, parts.query, ""))
    return Target(url=pinned_url, host=parts.netloc.rsplit("@", 1)[-1], address=str(pinned))
