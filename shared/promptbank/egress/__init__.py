"""Where outbound connections may go: one address policy, applied to what a host resolves to when connecting.

Every outbound HTTP call (provider calls now, webhook deliveries later) uses the transport in
`promptbank.egress.transport`. Each new connection resolves its host once, checks every address against the
policy, and connects to a checked address. The name is not resolved a second time, so a DNS answer that
changes after the check (rebinding) cannot redirect the connection. TLS still uses the host name (SNI and
certificate verification), and so does the `Host` header.

The policy comes from settings (`PROMPTBANK_EGRESS`), read at every new connection:

- `loopback`: only 127.0.0.0/8 and ::1. Every test target sets it, so no test can reach another machine.
- `public`: only global unicast addresses (`is_public`). This is the default when deployed, for every
  outbound call: the functions have no VPC, so no legitimate call goes anywhere else.
- unset when local (`PROMPTBANK_STAGE=local`): anywhere, as a developer's machine needs (Ollama on the LAN).

The same rules decide whether a user's base URL may be saved (`provider_keys.urls`), so the two checks
cannot disagree. This module is cheap to import: httpx and httpcore are loaded only by `.transport`.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from enum import StrEnum

from promptbank.settings import get_settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
#: `resolve(host, port)`: every address of `host`, most preferred first; OSError when it has none.
Resolver = Callable[[str, int], Sequence[str]]


class Policy(StrEnum):
    OPEN = "open"
    PUBLIC = "public"
    LOOPBACK = "loopback"


class EgressRefused(Exception):
    """The policy does not allow a connection to this host. The message says why, without any address, so it
    can be shown to the user as is."""

    def __init__(self, message: str, *, policy: Policy) -> None:
        super().__init__(message)
        self.policy = policy


#: Special-purpose ranges (IANA registries) refused under the public policy. Python's own `is_global` also
#: applies, but its lists differ between 3.12 patch releases, so the ones that matter are spelled out here.
_NOT_PUBLIC: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = tuple(
    ipaddress.ip_network(network)
    for network in (
        "0.0.0.0/8",  # "this network"
        "10.0.0.0/8",
        "100.64.0.0/10",  # carrier-grade NAT
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local, cloud metadata
        "172.16.0.0/12",
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",  # documentation
        "192.88.99.0/24",  # 6to4 relay anycast
        "192.168.0.0/16",
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",  # documentation
        "203.0.113.0/24",  # documentation
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, broadcast
        "::/8",  # unspecified, loopback, IPv4-compatible (the mapped and NAT64 forms are unwrapped first)
        "64:ff9b:1::/48",  # local-use NAT64
        "100::/64",  # discard
        "2001::/23",  # IETF protocol assignments, Teredo
        "2001:db8::/32",  # documentation
        "2002::/16",  # 6to4: reaches whatever IPv4 address it embeds
        "3fff::/20",  # documentation
        "5f00::/16",  # SRv6 SIDs
        "fc00::/7",  # unique local (fd00:ec2::254 is EC2's metadata)
        "fe80::/10",  # link-local
        "fec0::/10",  # site-local (deprecated)
        "ff00::/8",  # multicast
    )
)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def current_policy() -> Policy:
    """The policy for outbound connections now (settings are read once per container)."""
    settings = get_settings()
    if settings.egress == "loopback":
        return Policy.LOOPBACK
    if settings.egress == "public" or settings.deployed:
        return Policy.PUBLIC
    return Policy.OPEN


def system_resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to, in the system's order of preference, without repeats."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def parse_address(address: str) -> IPAddress:
    """An address as the resolver gives it; an IPv6 zone id (`fe80::1%eth0`) is dropped."""
    return ipaddress.ip_address(address.split("%", 1)[0])


def is_public(address: str) -> bool:
    """Whether `address` is global unicast: not private, loopback, link-local, CGNAT, multicast, reserved,
    unspecified, documentation or metadata, in IPv4 or IPv6, nor an IPv6 form of such an IPv4 address."""
    ip = parse_address(address)
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return is_public(str(ip.ipv4_mapped))
        if ip in _NAT64:  # a NAT64 gateway connects to the IPv4 address in the low 32 bits
            return is_public(str(ipaddress.IPv4Address(int(ip) & 0xFFFF_FFFF)))
    if any(ip in network for network in _NOT_PUBLIC if network.version == ip.version):
        return False
    return ip.is_global and not (ip.is_multicast or ip.is_reserved)


def is_loopback(address: str) -> bool:
    """Whether `address` is in 127.0.0.0/8 or is ::1 (or the IPv4-mapped form of a 127.x address)."""
    ip = parse_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


def refusal(address: str, policy: Policy) -> str | None:
    """Why `policy` refuses a connection to `address`, or None if it allows it."""
    if policy is Policy.LOOPBACK and not is_loopback(address):
        return "resolves to an address outside loopback (PROMPTBANK_EGRESS=loopback)"
    if policy is Policy.PUBLIC and not is_public(address):
        return "points at a private, loopback, link-local, reserved or metadata address"
    return None


def checked_addresses(
    host: str, port: int, *, policy: Policy | None = None, resolve: Resolver = system_resolve
) -> list[str]:
    """Resolve `host` once and return its addresses if `policy` (default: the current one) allows every one.

    One refused address refuses the host (a name answering both public and private addresses is how
    rebinding is usually set up). Raises EgressRefused, or OSError when the host does not resolve.
    """
    policy = current_policy() if policy is None else policy
    addresses = list(resolve(host, port))
    if not addresses:
        raise OSError(f"{host!r} has no address")
    for address in addresses:
        reason = refusal(address, policy)
        if reason is not None:
            raise EgressRefused(f"host {host!r} {reason}", policy=policy)
    return addresses
