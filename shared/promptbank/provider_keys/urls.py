"""SSRF guard for user-chosen provider base URLs: https only, never a private, loopback or metadata address.

Checked when a key is saved and again before every call (a DNS name can change what it points at). Locally
(`stage == "local"`) plain http is allowed to loopback hosts only, so a developer can point a key at Ollama
or the fake provider server; deployed, every address the host resolves to must be a public one.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

Resolver = Callable[[str, int], Iterable[str]]

MAX_URL_LENGTH = 2000
#: Cloud metadata endpoints that are not already outside the public address space.
_METADATA = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


class UnsafeBaseUrl(ValueError):
    """The base URL may not be used; the message says why (safe to show the user, it holds no secret)."""


def system_resolver(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (what httpx would connect to)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise UnsafeBaseUrl(f"host {host!r} does not resolve") from None
    return [str(info[4][0]) for info in infos]


def _is_loopback_host(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _blocked(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip in _METADATA or not ip.is_global or ip.is_multicast


def check_base_url(url: str, *, deployed: bool, resolve: Resolver = system_resolver) -> str:
    """The URL without a trailing slash if it is safe to send a user's key to; else UnsafeBaseUrl."""
    url = url.strip()
    if not url or len(url) > MAX_URL_LENGTH:
        raise UnsafeBaseUrl(f"must be 1-{MAX_URL_LENGTH} characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise UnsafeBaseUrl("is not a valid URL") from None
    host = parts.hostname
    if parts.scheme not in ("https", "http") or not host:
        raise UnsafeBaseUrl("must be an absolute https URL")
    if parts.username is not None or parts.password is not None:
        raise UnsafeBaseUrl("may not carry credentials")
    if parts.query or parts.fragment:
        raise UnsafeBaseUrl("may not have a query or fragment")
    if parts.scheme == "http" and (deployed or not _is_loopback_host(host)):
        raise UnsafeBaseUrl("must use https (plain http is allowed only to loopback when running locally)")
    if deployed:
        addresses = list(resolve(host, port or 443))
        if not addresses:
            raise UnsafeBaseUrl(f"host {host!r} does not resolve")
        if any(_blocked(address) for address in addresses):
            raise UnsafeBaseUrl("points at a private, loopback, link-local or metadata address")
    return url.rstrip("/")
