"""The egress policy: which policy applies, which addresses are public, and how a resolved host is checked."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from promptbank.egress import (
    EgressRefused,
    Policy,
    checked_addresses,
    current_policy,
    is_loopback,
    is_public,
    refusal,
)


@pytest.mark.parametrize(
    ("stage", "setting", "expected"),
    [
        ("local", None, Policy.OPEN),
        ("local", "", Policy.OPEN),
        ("local", "public", Policy.PUBLIC),
        ("local", "loopback", Policy.LOOPBACK),
        ("local", " LoopBack ", Policy.LOOPBACK),
        ("dev", None, Policy.PUBLIC),
        ("prod", None, Policy.PUBLIC),
        ("prod", "public", Policy.PUBLIC),
        ("prod", "loopback", Policy.LOOPBACK),
    ],
)
def test_the_policy_follows_the_setting_else_the_stage(environment, stage, setting, expected):
    # Given a stage and a PROMPTBANK_EGRESS value (None: unset)
    environment(PROMPTBANK_STAGE=stage, PROMPTBANK_EGRESS=setting)
    # When the policy is read
    # Then the setting wins, and an unset one is "public" when deployed and "open" locally
    assert current_policy() is expected


@pytest.mark.parametrize("setting", ["open", "anywhere", "127.0.0.1"])
def test_an_unknown_setting_stops_the_function_instead_of_opening_egress(environment, setting):
    # When PROMPTBANK_EGRESS holds something else (there is no way to say "open" while deployed)
    environment(PROMPTBANK_STAGE="prod", PROMPTBANK_EGRESS=setting)
    # Then the settings cannot be read at all
    with pytest.raises(ValidationError):
        current_policy()


def test_every_test_runs_under_the_loopback_guard():
    # tests/conftest.py (and every Makefile test target) sets it, so no test can reach another machine
    assert current_policy() is Policy.LOOPBACK


NOT_PUBLIC = {
    "10.0.0.1": "private",
    "172.16.0.1": "private",
    "172.31.255.255": "private",
    "192.168.1.1": "private",
    "100.64.0.1": "carrier-grade NAT",
    "100.127.255.254": "carrier-grade NAT",
    "127.0.0.1": "loopback",
    "127.1.2.3": "loopback",
    "0.0.0.0": "this network",
    "169.254.1.1": "link-local",
    "169.254.169.254": "cloud metadata",
    "192.0.0.9": "IETF assignments",
    "192.0.2.1": "documentation",
    "198.51.100.7": "documentation",
    "203.0.113.9": "documentation",
    "198.18.0.1": "benchmarking",
    "192.88.99.1": "6to4 relay anycast",
    "224.0.0.1": "multicast",
    "239.255.255.250": "multicast",
    "240.0.0.1": "reserved",
    "255.255.255.255": "broadcast",
    "::": "unspecified",
    "::1": "loopback",
    "::10.0.0.1": "IPv4-compatible",
    "fe80::1": "link-local",
    "fe80::1%eth0": "link-local with a zone id",
    "fd00:ec2::254": "EC2 metadata",
    "fc00::1": "unique local",
    "fec0::1": "site-local",
    "ff02::1": "multicast",
    "ff0e::1": "global multicast",
    "2001:db8::1": "documentation",
    "3fff::1": "documentation",
    "2001::1": "Teredo",
    "2002:808:808::1": "6to4 (reaches an embedded IPv4 address)",
    "2002:a00:1::1": "6to4 of a private address",
    "100::1": "discard",
    "64:ff9b:1::a00:1": "local-use NAT64",
    "::ffff:10.0.0.1": "IPv4-mapped private",
    "::ffff:127.0.0.1": "IPv4-mapped loopback",
    "::ffff:169.254.169.254": "IPv4-mapped metadata",
    "64:ff9b::a00:1": "NAT64 of a private address",
    "64:ff9b::a9fe:a9fe": "NAT64 of the metadata address",
    "64:ff9b::7f00:1": "NAT64 of loopback",
}
PUBLIC = {
    "93.184.216.34": "public IPv4",
    "8.8.8.8": "public IPv4",
    "1.1.1.1": "public IPv4",
    "100.128.0.1": "just above carrier-grade NAT",
    "172.32.0.1": "just above 172.16.0.0/12",
    "2606:4700:4700::1111": "public IPv6",
    "2001:4860:4860::8888": "public IPv6",
    "::ffff:8.8.8.8": "IPv4-mapped public",
    "64:ff9b::808:808": "NAT64 of a public address",
}


@pytest.mark.parametrize("address", sorted(NOT_PUBLIC), ids=lambda a: f"{a} ({NOT_PUBLIC[a]})")
def test_special_purpose_addresses_are_not_public(address):
    assert not is_public(address)


@pytest.mark.parametrize("address", sorted(PUBLIC), ids=lambda a: f"{a} ({PUBLIC[a]})")
def test_global_unicast_addresses_are_public(address):
    assert is_public(address)


@pytest.mark.parametrize(
    ("address", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.255.255.254", True),
        ("::1", True),
        ("::ffff:127.0.0.1", True),
        ("0.0.0.0", False),  # Linux connects it to the local host: refused all the same
        ("::", False),
        ("10.255.255.1", False),
        ("169.254.169.254", False),
        ("64:ff9b::7f00:1", False),
        ("93.184.216.34", False),
        ("::2", False),
    ],
)
def test_loopback_is_127_0_0_0_8_and_ipv6_1_only(address, loopback):
    assert is_loopback(address) is loopback


@pytest.mark.parametrize(
    ("policy", "address", "allowed"),
    [
        (Policy.OPEN, "10.0.0.1", True),
        (Policy.OPEN, "169.254.169.254", True),
        (Policy.OPEN, "93.184.216.34", True),
        (Policy.PUBLIC, "93.184.216.34", True),
        (Policy.PUBLIC, "127.0.0.1", False),
        (Policy.PUBLIC, "10.0.0.1", False),
        (Policy.LOOPBACK, "127.0.0.1", True),
        (Policy.LOOPBACK, "::1", True),
        (Policy.LOOPBACK, "93.184.216.34", False),
        (Policy.LOOPBACK, "10.255.255.1", False),
    ],
)
def test_each_policy_allows_its_own_addresses(policy, address, allowed):
    assert (refusal(address, policy) is None) is allowed


def test_a_host_is_refused_when_any_of_its_addresses_is():
    # Given a name answering a public and a private address (how rebinding is usually set up)
    def resolve(host: str, port: int) -> list[str]:
        return ["93.184.216.34", "10.1.2.3"]

    # When it is checked under the public policy
    # Then the whole host is refused, with a message naming the host and not the address
    with pytest.raises(EgressRefused) as caught:
        checked_addresses("mixed.example", 443, policy=Policy.PUBLIC, resolve=resolve)
    assert "'mixed.example'" in str(caught.value)
    assert "10.1.2.3" not in str(caught.value)
    assert caught.value.policy is Policy.PUBLIC


def test_the_loopback_refusal_names_the_setting():
    with pytest.raises(EgressRefused, match=r"outside loopback \(PROMPTBANK_EGRESS=loopback\)"):
        checked_addresses("10.255.255.1", 9, policy=Policy.LOOPBACK, resolve=lambda host, port: [host])


def test_allowed_addresses_come_back_in_the_resolvers_order():
    addresses = checked_addresses(
        "localhost", 80, policy=Policy.LOOPBACK, resolve=lambda host, port: ["::1", "127.0.0.1"]
    )
    assert addresses == ["::1", "127.0.0.1"]


def test_a_name_without_addresses_is_an_os_error_not_a_pass():
    with pytest.raises(OSError):
        checked_addresses("empty.example", 443, policy=Policy.PUBLIC, resolve=lambda host, port: [])


def test_the_policy_is_the_current_one_when_none_is_given(environment):
    # Given the loopback guard
    environment(PROMPTBANK_EGRESS="loopback")
    # Then a public address is refused without naming a policy
    with pytest.raises(EgressRefused):
        checked_addresses("93.184.216.34", 443, resolve=lambda host, port: [host])
