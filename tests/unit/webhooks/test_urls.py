"""Where a webhook may point: https (http to loopback only locally), no fragment or credentials, and, deployed,
no host that is or resolves to a private, loopback, link-local or metadata address in any of its forms."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pytest

from promptbank.errors import ValidationFailed
from promptbank.provider_keys.urls import UnsafeBaseUrl, check_webhook_url
from promptbank.webhooks.service import check_url


def resolving_to(*addresses: str) -> Callable[[str, int], Iterable[str]]:
    """A resolver that answers `addresses` for any host (no DNS query leaves the machine)."""
    return lambda host, port: list(addresses)


PUBLIC = resolving_to("93.184.216.34")


def test_an_https_url_is_kept_as_given() -> None:
    url = "https://hooks.example.com/promptbank/"
    assert check_webhook_url(url, deployed=True, resolve=PUBLIC) == url


def test_a_query_is_allowed() -> None:
    url = "https://hooks.example.com/in?token=abc&team=7"
    assert check_webhook_url(url, deployed=True, resolve=PUBLIC) == url


def test_a_fragment_is_refused() -> None:
    with pytest.raises(UnsafeBaseUrl, match="fragment"):
        check_webhook_url("https://hooks.example.com/in#part", deployed=True, resolve=PUBLIC)


@pytest.mark.parametrize("url", ["https://user:pw@hooks.example.com/in", "https://user@hooks.example.com/in"])
def test_credentials_in_the_url_are_refused(url: str) -> None:
    with pytest.raises(UnsafeBaseUrl, match="credentials"):
        check_webhook_url(url, deployed=True, resolve=PUBLIC)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/hook", "http://localhost/hook", "http://[::1]:9000/hook"])
def test_plain_http_to_loopback_is_allowed_when_running_locally(url: str) -> None:
    assert check_webhook_url(url, deployed=False) == url


def test_plain_http_elsewhere_is_refused_when_running_locally() -> None:
    with pytest.raises(UnsafeBaseUrl, match="https"):
        check_webhook_url("http://10.0.0.1/hook", deployed=False)


def test_plain_http_to_loopback_is_refused_when_deployed() -> None:
    with pytest.raises(UnsafeBaseUrl, match="https"):
        check_webhook_url("http://127.0.0.1:8080/hook", deployed=True)


@pytest.mark.parametrize("url", ["ftp://hooks.example.com/in", "hooks.example.com/in", "https:///in", ""])
def test_what_is_not_an_absolute_http_url_is_refused(url: str) -> None:
    with pytest.raises(UnsafeBaseUrl):
        check_webhook_url(url, deployed=True, resolve=PUBLIC)


@pytest.mark.parametrize(
    "address",
    [
        "10.0.0.1",  # private
        "192.168.1.20",  # private
        "172.16.5.4",  # private
        "127.0.0.1",  # loopback
        "::1",  # loopback, IPv6
        "169.254.10.10",  # link-local
        "fe80::1",  # link-local, IPv6
        "169.254.169.254",  # the cloud metadata service
        "fd00:ec2::254",  # the cloud metadata service, IPv6
        "::ffff:10.0.0.1",  # IPv4-mapped IPv6 of a private address
        "::ffff:169.254.169.254",  # IPv4-mapped IPv6 of the metadata address
        "224.0.0.1",  # multicast
    ],
)
def test_deployed_a_host_resolving_to_an_address_that_is_not_public_is_refused(address: str) -> None:
    # Given a host that resolves to a non-public address
    # When / Then it is refused
    with pytest.raises(UnsafeBaseUrl, match="private, loopback, link-local"):
        check_webhook_url("https://hooks.example.com/in", deployed=True, resolve=resolving_to(address))


def test_deployed_one_non_public_address_among_public_ones_refuses_the_host() -> None:
    # Given a host answering both a public and a private address (how rebinding is usually set up)
    resolve = resolving_to("93.184.216.34", "10.0.0.1")

    # When / Then it is refused
    with pytest.raises(UnsafeBaseUrl):
        check_webhook_url("https://hooks.example.com/in", deployed=True, resolve=resolve)


def test_deployed_a_host_that_does_not_resolve_is_refused() -> None:
    with pytest.raises(UnsafeBaseUrl, match="does not resolve"):
        check_webhook_url("https://hooks.example.com/in", deployed=True, resolve=resolving_to())


@pytest.mark.parametrize(
    "url",
    [
        "https://169.254.169.254/latest/meta-data",  # the metadata address itself
        "https://[::ffff:10.0.0.1]/hook",  # IPv4-mapped IPv6, literal
        "https://2130706433/hook",  # 127.0.0.1 in decimal
        "https://0x7f000001/hook",  # 127.0.0.1 in hex
        "https://0177.0.0.1/hook",  # 127.0.0.1 in octal
    ],
)
def test_deployed_other_forms_of_non_public_addresses_are_refused_through_the_system_resolver(url: str) -> None:
    # Given a URL whose host is a non-public address in another notation (the system resolver reads these
    # without a DNS query)
    # When / Then it is refused
    with pytest.raises(UnsafeBaseUrl):
        check_webhook_url(url, deployed=True)


def test_the_service_answers_a_refused_url_with_a_400_on_url() -> None:
    # Given the tests' settings (running locally, egress to loopback only)
    # When / Then plain http to another machine is a 400 naming `url`
    with pytest.raises(ValidationFailed) as refused:
        check_url("http://10.0.0.1/hook")
    [detail] = refused.value.details
    assert detail["field"] == "url"
    assert "https" in detail["message"]


def test_the_service_accepts_http_to_loopback_locally() -> None:
    assert check_url("http://127.0.0.1:8080/hook") == "http://127.0.0.1:8080/hook"


def test_the_service_refuses_an_https_host_outside_loopback_under_the_loopback_egress_policy() -> None:
    # Given the tests' egress policy (loopback only), an https URL to a private address
    # When / Then the save is refused: a delivery could never be sent there
    with pytest.raises(ValidationFailed, match="url"):
        check_url("https://10.0.0.1/hook")


def test_deployed_the_service_refuses_the_metadata_address(environment: Callable[..., None]) -> None:
    # Given a deployed stage (every address must be public)
    environment(PROMPTBANK_STAGE="prod")

    # When / Then the metadata address is a 400 on `url`
    with pytest.raises(ValidationFailed, match="url"):
        check_url("https://169.254.169.254/latest/meta-data")
