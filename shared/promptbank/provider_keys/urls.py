"""SSRF guard for user-chosen provider base URLs: https only, never a private, loopback or metadata address.

Checked when a key is saved and again before every call, so a refused URL is a clear 400 early. Locally
(`stage == "local"`) plain http is allowed to loopback hosts only, so a developer can point a key at Ollama
or the fake provider server; deployed, every address the host resolves to must be a public one
(`promptbank.egress.is_public`). A DNS name can change what it points at after this check: the connection
itself is made only to an address checked when it is opened (`promptbank.egress.transport`).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from promptbank import egress

Resolver = Callable[[str, int], Iterable[str]]

MAX_URL_LENGTH = 2000
_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


class UnsafeBaseUrl(ValueError):
    """The base URL may not be used; the message says why (safe to show the user, it holds no secret)."""


def system_resolver(host: str, port: int) -> list[str]:
    """Every address `host` resolves to, as the egress transport resolves it when connecting."""
    try:
        return egress.system_resolve(host, port)
    except (OSError, UnicodeError):
        raise UnsafeBaseUrl(f"host {host!r} does not resolve") from None


def _is_loopback_host(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_webhook_url(url: str, *, deployed: bool, resolve: Resolver = system_resolver) -> str:
    """A webhook's URL: the base URL rules, except that a query is allowed (receivers often route or authenticate
    by one) and the URL is kept as given (no trailing slash removed: the receiver's path is its own)."""
    return _check_url(url, deployed=deployed, resolve=resolve, allow_query=True)


def check_base_url(url: str, *, deployed: bool, resolve: Resolver = system_resolver) -> str:
    """The URL without a trailing slash if it is safe to send a user's key to; else UnsafeBaseUrl."""
    return _check_url(url, deployed=deployed, resolve=resolve, allow_query=False).rstrip("/")


def _check_url(url: str, *, deployed: bool, resolve: Resolver, allow_query: bool) -> str:
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
    if parts.fragment or (parts.query and not allow_query):
        raise UnsafeBaseUrl("may not have a fragment" if allow_query else "may not have a query or fragment")
    if parts.scheme == "http" and (deployed or not _is_loopback_host(host)):
        raise UnsafeBaseUrl("must use https (plain http is allowed only to loopback when running locally)")
    if deployed:
        addresses = list(resolve(host, port or 443))
        if not addresses:
            raise UnsafeBaseUrl(f"host {host!r} does not resolve")
        for address in addresses:
            reason = egress.refusal(address, egress.Policy.PUBLIC)
            if reason is not None:
                raise UnsafeBaseUrl(reason)
    return url
