"""The httpx transport for every outbound call: each connection goes to an address the egress policy checked.

`PinnedBackend` is an httpcore network backend. Its `connect_tcp` resolves the host once, checks every address
(`promptbank.egress.checked_addresses`), and opens the TCP connection to a checked IP literal, so nothing
resolves the name again. httpcore then starts TLS on that stream with the URL's host name as
`server_hostname` (SNI and certificate verification), and httpx sends the URL's `Host` header: only the IP
that TCP connects to is pinned. A refused host raises `EgressRefused` before any socket is opened.
Connections are pooled per origin as usual, and each new connection is checked.

`PinnedTransport` is `httpx.HTTPTransport` over a connection pool that uses this backend. httpx 0.28 has no
parameter for a network backend (encode/httpx#3749 proposes one), so the pool httpx builds is replaced by an
identical one with the backend. httpx still maps httpcore's exceptions and wraps the responses, and
`tests/unit/egress` fails if a new httpx stops using `_pool`.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable, Iterable

import httpcore
import httpx

from promptbank.egress import Policy, Resolver, checked_addresses, current_policy, system_resolve

DEFAULT_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=30.0)


class PinnedBackend(httpcore.NetworkBackend):
    """httpcore's sync backend, connecting only to addresses checked by the egress policy."""

    def __init__(
        self,
        *,
        policy: Callable[[], Policy] = current_policy,
        resolve: Resolver = system_resolve,
        connect: httpcore.NetworkBackend | None = None,
    ) -> None:
        self._policy = policy
        self._resolve = resolve
        self._connect = connect or httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            addresses = checked_addresses(host, port, policy=self._policy(), resolve=self._resolve)
        except (OSError, UnicodeError) as exc:  # does not resolve: a connection error, as it was without pinning
            raise httpcore.ConnectError(f"{host!r} does not resolve ({type(exc).__name__})") from None
        deadline = None if timeout is None else time.monotonic() + timeout
        failure: Exception | None = None
        # In the resolver's order of preference, as socket.create_connection does; each address gets what
        # is left of the connect timeout.
        for address in addresses:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                raise httpcore.ConnectTimeout(f"connecting to {host!r} timed out")
            try:
                return self._connect.connect_tcp(
                    address, port, timeout=left, local_address=local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None  # checked_addresses never returns an empty list
        raise failure

    def sleep(self, seconds: float) -> None:
        self._connect.sleep(seconds)


class PinnedTransport(httpx.HTTPTransport):
    """`httpx.HTTPTransport` whose connections are made by a `PinnedBackend`; never reads proxy or CA variables
    from the environment (routing goes through the base URL settings, explicitly)."""

    def __init__(
        self,
        *,
        backend: httpcore.NetworkBackend | None = None,
        verify: ssl.SSLContext | bool = True,
        limits: httpx.Limits = DEFAULT_LIMITS,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> None:
        # One SSL context (loading the CA bundle costs milliseconds), shared by httpx's pool and ours.
        ssl_context = verify
        if not isinstance(ssl_context, ssl.SSLContext):
            ssl_context = httpx.create_ssl_context(verify=verify, trust_env=False)
        super().__init__(verify=ssl_context, trust_env=False, limits=limits, socket_options=socket_options)
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            socket_options=socket_options,
            network_backend=backend or PinnedBackend(),
        )
