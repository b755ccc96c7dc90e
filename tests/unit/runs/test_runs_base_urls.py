"""The SSRF guard on user base URLs: https only, loopback http locally, no private addresses when deployed."""

from __future__ import annotations

import pytest

from promptbank.provider_keys.urls import UnsafeBaseUrl, check_base_url


def resolver(*addresses: str):
    """A DNS stand-in that answers `addresses` for any host."""
    return lambda host, port: list(addresses)


def test_a_public_https_url_is_accepted_when_deployed():
    # When a deployed stack checks an https URL resolving to a public address
    url = check_base_url("https://api.example.com/v1/", deployed=True, resolve=resolver("93.184.216.34"))
    # Then it is accepted without the trailing slash
    assert url == "https://api.example.com/v1"


@pytest.mark.parametrize("address", [
    "10.0.0.5", "172.16.3.4", "192.168.1.1", "127.0.0.1", "169.254.169.254", "100.64.0.1", "0.0.0.0",
    "::1", "fd00:ec2::254", "fe80::1", "::ffff:10.0.0.1", "224.0.0.1",
])
def test_private_loopback_link_local_and_metadata_addresses_are_refused_when_deployed(address):
    # When the host resolves to a non-public address
    # Then the URL is refused
    with pytest.raises(UnsafeBaseUrl, match="private"):
        check_base_url("https://sneaky.example.com", deployed=True, resolve=resolver(address))


def test_one_private_address_among_public_ones_is_enough_to_refuse():
    # When a name resolves to both a public and a private address (DNS rebinding's favourite)
    # Then it is refused
    with pytest.raises(UnsafeBaseUrl):
        check_base_url("https://mixed.example.com", deployed=True, resolve=resolver("93.184.216.34", "10.1.2.3"))


def test_an_ip_literal_in_the_url_is_checked_too():
    # When the URL names a private IP directly (the resolver echoes literals, as getaddrinfo does)
    # Then it is refused
    with pytest.raises(UnsafeBaseUrl):
        check_base_url("https://169.254.169.254/latest", deployed=True, resolve=lambda host, port: [host])


@pytest.mark.parametrize("url", ["http://api.example.com", "http://127.0.0.1:11434"])
def test_plain_http_is_refused_when_deployed(url):
    # When a deployed stack sees http, even to loopback
    # Then it is refused
    with pytest.raises(UnsafeBaseUrl, match="https"):
        check_base_url(url, deployed=True, resolve=resolver("93.184.216.34"))


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/v1", "http://localhost:11434", "http://[::1]:9000"])
def test_plain_http_to_loopback_is_allowed_locally(url):
    # When running locally with an http loopback URL
    # Then it is accepted (and nothing is resolved)
    assert check_base_url(url, deployed=False, resolve=resolver()) == url


def test_plain_http_to_another_host_is_refused_locally():
    # When running locally with http to a non-loopback host
    # Then it is refused
    with pytest.raises(UnsafeBaseUrl):
        check_base_url("http://192.168.1.20:11434", deployed=False)


@pytest.mark.parametrize("url", ["ftp://example.com", "https://", "example.com", "https://u:p@example.com",
                                 "https://example.com/?a=1", "https://example.com/#x", "https://example.com:99999",
                                 "", "https://" + "a" * 2001])
def test_malformed_urls_are_refused(url):
    # When the URL is not a plain absolute https URL
    # Then it is refused
    with pytest.raises(UnsafeBaseUrl):
        check_base_url(url, deployed=False)


def test_a_host_that_does_not_resolve_is_refused_when_deployed():
    # When the name resolves to nothing
    # Then it is refused
    with pytest.raises(UnsafeBaseUrl, match="resolve"):
        check_base_url("https://nowhere.invalid", deployed=True, resolve=resolver())
