"""The pinned transport: a connection goes to the address that was checked, and only there (no DNS rebinding).

A resolver stub stands in for DNS and a recording network backend stands in for the TCP connect: it notes the
IP it is asked to connect to, then carries the connection to a real server on 127.0.0.1, so the requests
below are real HTTP and the server sees what the provider would see.
"""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Callable, Iterable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpcore
import httpx
import pytest

from promptbank.egress import EgressRefused, Policy
from promptbank.egress.transport import PinnedBackend, PinnedTransport
from promptbank.provider_keys.urls import check_base_url
from tests.fakes.fake_provider import FakeProviderServer

PUBLIC_IP = "93.184.216.34"
PRIVATE_IP = "10.0.0.1"
BODY = {"model": "m", "messages": [{"role": "user", "content": "ping"}]}


class Answers:
    """A DNS stand-in: each lookup gets the next answer (the last one repeats), and every lookup is noted."""

    def __init__(self, *answers: list[str]) -> None:
        self.answers = list(answers)
        self.lookups: list[tuple[str, int]] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.lookups.append((host, port))
        return self.answers[min(len(self.lookups), len(self.answers)) - 1]


class RecordingConnect(httpcore.NetworkBackend):
    """Notes each TCP connect (ip, port), then opens it to `forward_to` on loopback, or hands back `stream`."""

    def __init__(self, forward_to: tuple[str, int] | None = None, stream: Any = None) -> None:
        self.connects: list[tuple[str, int]] = []
        self.forward_to = forward_to
        self.stream = stream

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        self.connects.append((host, port))
        if self.stream is not None:
            return self.stream
        assert self.forward_to is not None
        return httpcore.SyncBackend().connect_tcp(*self.forward_to, timeout=timeout)


class TLSRecordingStream(httpcore.NetworkStream):
    """A stream that notes how TLS is started on it, then fails the connection (no certificate to offer)."""

    def __init__(self) -> None:
        self.server_hostname: str | None = None
        self.ssl_context: ssl.SSLContext | None = None

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        self.ssl_context, self.server_hostname = ssl_context, server_hostname
        raise httpcore.ConnectError("no TLS server here")

    def close(self) -> None:
        pass


def pinned_client(policy: Policy, resolve: Callable[[str, int], list[str]], connect: Any = None) -> httpx.Client:
    backend = PinnedBackend(policy=lambda: policy, resolve=resolve, connect=connect)
    return httpx.Client(transport=PinnedTransport(backend=backend), follow_redirects=False)


@pytest.fixture(scope="module")
def server() -> Iterator[FakeProviderServer]:
    with FakeProviderServer() as fake:
        yield fake


@pytest.fixture
def fake(server: FakeProviderServer) -> FakeProviderServer:
    server.reset()
    return server


# -- rebinding --------------------------------------------------------------------------------------------------


def test_a_name_that_resolves_public_then_private_cannot_be_reached(fake):
    # Given a name whose first answer is public and whose next one is private (rebinding with a TTL of 0)
    dns = Answers([PUBLIC_IP], [PRIVATE_IP])
    url = "https://rebind.example/v1"
    # And the base-URL check, which sees the public answer and lets the URL through
    assert check_base_url(url, deployed=True, resolve=dns) == url
    connect = RecordingConnect(forward_to=("127.0.0.1", fake.port))
    # When a call is made, under the policy a deployed stack uses
    with pinned_client(Policy.PUBLIC, dns, connect) as client, pytest.raises(EgressRefused) as caught:
        client.post(f"{url}/chat/completions", json=BODY)
    # Then the connection's own lookup saw the private answer and was refused before any connect
    assert caught.value.policy is Policy.PUBLIC
    assert "'rebind.example'" in str(caught.value)
    assert dns.lookups == [("rebind.example", 443), ("rebind.example", 443)]
    assert connect.connects == []
    assert fake.request_count == 0


def test_a_connection_goes_to_the_address_that_was_checked_and_the_name_is_not_resolved_again(fake):
    # Given a name answering public once and private from then on
    dns = Answers([PUBLIC_IP], [PRIVATE_IP])
    connect = RecordingConnect(forward_to=("127.0.0.1", fake.port))
    with pinned_client(Policy.PUBLIC, dns, connect) as client:
        # When two calls are made on one kept-alive connection
        first = client.post("http://rebind.example:8080/chat/completions", json=BODY)
        second = client.post("http://rebind.example:8080/chat/completions", json=BODY)
    # Then the one lookup's checked address is what TCP connected to, and the later private answer never
    # reached a socket
    assert (first.status_code, second.status_code) == (401, 401)  # the fake wants a key: it did answer
    assert dns.lookups == [("rebind.example", 8080)]
    assert connect.connects == [(PUBLIC_IP, 8080)]
    # And the server saw the name in the Host header, not the address
    assert [r.header("host") for r in fake.requests] == ["rebind.example:8080"] * 2


def test_each_new_connection_is_checked_again(fake):
    # Given a name answering public once and private from then on
    dns = Answers([PUBLIC_IP], [PRIVATE_IP])
    connect = RecordingConnect(forward_to=("127.0.0.1", fake.port))
    with pinned_client(Policy.PUBLIC, dns, connect) as client:
        client.post("http://rebind.example/chat/completions", json=BODY)
        # When the pooled connection is gone and a new one is needed
        client.post("http://rebind.example/chat/completions", json=BODY, headers={"Connection": "close"})
        with pytest.raises(EgressRefused):
            client.post("http://rebind.example/chat/completions", json=BODY)
    # Then the new connection's lookup (private now) refused it
    assert connect.connects == [(PUBLIC_IP, 80)]
    assert len(dns.lookups) == 2


def test_the_next_address_is_tried_when_one_does_not_connect(fake):
    # Given a name with two public addresses, the first of which does not answer
    class FirstFails(RecordingConnect):
        def connect_tcp(self, host: str, port: int, *args: Any, **kwargs: Any) -> httpcore.NetworkStream:
            if not self.connects:
                self.connects.append((host, port))
                raise httpcore.ConnectError("refused")
            return super().connect_tcp(host, port, *args, **kwargs)

    connect = FirstFails(forward_to=("127.0.0.1", fake.port))
    with pinned_client(Policy.PUBLIC, Answers([PUBLIC_IP, "1.1.1.1"]), connect) as client:
        # When a call is made
        reply = client.post("http://two.example/chat/completions", json=BODY)
    # Then the second checked address carried it
    assert reply.status_code == 401
    assert connect.connects == [(PUBLIC_IP, 80), ("1.1.1.1", 80)]


def test_a_name_that_does_not_resolve_is_a_connect_error(fake):
    def nowhere(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    with pinned_client(Policy.PUBLIC, nowhere, RecordingConnect()) as client, pytest.raises(httpx.ConnectError):
        client.post("https://nowhere.example/chat/completions", json=BODY)


# -- TLS, Host header, real sockets -----------------------------------------------------------------------------


def test_tls_is_started_for_the_host_name_with_certificate_verification_on():
    # Given an https URL whose name resolves to a public address
    stream = TLSRecordingStream()
    connect = RecordingConnect(stream=stream)
    with pinned_client(Policy.PUBLIC, Answers([PUBLIC_IP]), connect) as client, pytest.raises(httpx.ConnectError):
        # When a call is made
        client.post("https://api.provider.example/v1/chat/completions", json=BODY)
    # Then TCP went to the checked IP, and TLS was asked for the name (SNI and the certificate's name check)
    assert connect.connects == [(PUBLIC_IP, 443)]
    assert stream.server_hostname == "api.provider.example"
    assert stream.ssl_context is not None
    assert stream.ssl_context.verify_mode is ssl.CERT_REQUIRED
    assert stream.ssl_context.check_hostname is True


def test_under_the_loopback_guard_a_real_loopback_server_is_reached_by_name(fake):
    # Given a name that resolves to 127.0.0.1 and the system's own TCP connect
    dns = Answers(["127.0.0.1"])
    with pinned_client(Policy.LOOPBACK, dns) as client:
        # When a call is made to it
        reply = client.post(f"http://provider.test:{fake.port}/chat/completions", json=BODY)
    # Then the loopback server answered, and saw the name in the Host header
    assert reply.status_code == 401
    assert fake.last_request.header("host") == f"provider.test:{fake.port}"


class _IPv6Server(ThreadingHTTPServer):
    address_family = socket.AF_INET6


class _Hello(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = self.headers["Host"].encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def ipv6_loopback_server() -> Iterator[int]:
    try:
        server = _IPv6Server(("::1", 0), _Hello)
    except OSError:
        pytest.skip("no IPv6 loopback on this machine")
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("host", ["[::1]", "v6.provider.test"])
def test_ipv6_loopback_is_reached_under_the_loopback_guard(ipv6_loopback_server, host):
    # Given a server on ::1, named by its literal or by a name resolving to it
    port = ipv6_loopback_server
    with pinned_client(Policy.LOOPBACK, Answers(["::1"])) as client:
        # When it is called
        reply = client.get(f"http://{host}:{port}/")
    # Then it answered, and the Host header is the URL's
    assert reply.status_code == 200
    assert reply.text == f"{host}:{port}"


@pytest.mark.parametrize("address", ["10.255.255.1", "93.184.216.34", "::ffff:10.0.0.1", "fd00:ec2::254"])
def test_the_loopback_guard_refuses_everything_else_before_any_connect(address):
    connect = RecordingConnect()
    client = pinned_client(Policy.LOOPBACK, Answers([address]), connect)
    with client, pytest.raises(EgressRefused, match=r"PROMPTBANK_EGRESS=loopback"):
        client.post("http://provider.test:9/chat/completions", json=BODY)
    assert connect.connects == []


# -- httpx internals this relies on --------------------------------------------------------------------------------


def test_httpx_sends_through_the_replaced_pool():
    # httpx 0.28 has no network-backend parameter, so PinnedTransport replaces `_pool`: a new httpx that stops
    # using it, or builds it with other settings, fails here rather than silently connecting unpinned.
    connect = RecordingConnect(stream=TLSRecordingStream())
    transport = PinnedTransport(
        backend=PinnedBackend(policy=lambda: Policy.OPEN, resolve=Answers([PUBLIC_IP]), connect=connect)
    )
    with httpx.Client(transport=transport) as client, pytest.raises(httpx.ConnectError):
        client.get("https://example.test/")
    assert connect.connects == [(PUBLIC_IP, 443)]


def test_the_replaced_pool_has_the_settings_httpx_would_have_given_it():
    limits = httpx.Limits(max_connections=7, max_keepalive_connections=3, keepalive_expiry=11.0)
    options = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]
    ours = PinnedTransport(limits=limits, socket_options=options)._pool
    theirs = httpx.HTTPTransport(limits=limits, socket_options=options, trust_env=False)._pool
    assert type(ours) is type(theirs)
    assert vars(ours).keys() == vars(theirs).keys()
    differ = {"_network_backend", "_ssl_context", "_pool_lock", "_optional_thread_lock"}
    for name, value in vars(theirs).items():
        if name not in differ and not name.endswith("_lock"):
            assert getattr(ours, name) == value, name
    assert isinstance(ours._network_backend, PinnedBackend)
    assert ours._ssl_context.verify_mode is ssl.CERT_REQUIRED and ours._ssl_context.check_hostname


# -- real TLS to a pinned address ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, ssl.SSLContext]]:
    """An HTTPS server on 127.0.0.1 whose certificate names only `provider.test`, and a client context that
    trusts the test CA that signed it (and nothing else)."""
    x509 = pytest.importorskip("cryptography.x509", reason="cryptography (from moto) makes the test certificate")
    from datetime import UTC, datetime, timedelta

    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    def certificate(subject: str, key: Any, issuer: str, signer: Any, *, ca: bool, san: list[str]) -> Any:
        now = datetime.now(UTC)
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if san:
            builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in san]), False)
        return builder.sign(signer, hashes.SHA256())

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = certificate("egress test CA", ca_key, "egress test CA", ca_key, ca=True, san=[])
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf_cert = certificate("provider.test", leaf_key, "egress test CA", ca_key, ca=False, san=["provider.test"])
    folder = tmp_path_factory.mktemp("tls")
    (folder / "leaf.pem").write_bytes(leaf_cert.public_bytes(serialization.Encoding.PEM))
    (folder / "leaf.key").write_bytes(
        leaf_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(folder / "leaf.pem", folder / "leaf.key")
    client_context = ssl.create_default_context(cadata=ca_cert.public_bytes(serialization.Encoding.PEM).decode())

    class Server(ThreadingHTTPServer):
        def get_request(self) -> tuple[socket.socket, Any]:
            connection, address = super().get_request()
            return server_context.wrap_socket(connection, server_side=True), address

        def handle_error(self, request: Any, client_address: Any) -> None:
            pass  # the refused handshakes below

    server = Server(("127.0.0.1", 0), _Hello)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server.server_address[1], client_context
    server.shutdown()
    server.server_close()


def test_tls_to_a_pinned_address_verifies_the_certificate_against_the_host_name(tls_server):
    # Given an HTTPS server on 127.0.0.1 with a certificate for provider.test, which the resolver stub maps there
    port, trusted = tls_server
    dns = Answers(["127.0.0.1"])
    backend = PinnedBackend(policy=lambda: Policy.LOOPBACK, resolve=dns)
    with httpx.Client(transport=PinnedTransport(backend=backend, verify=trusted)) as client:
        # When it is called by that name
        reply = client.get(f"https://provider.test:{port}/")
    # Then the handshake verified the certificate for the name (not the IP TCP went to), and Host is the name
    assert reply.status_code == 200
    assert reply.text == f"provider.test:{port}"


def test_tls_to_a_pinned_address_refuses_a_certificate_for_another_name(tls_server):
    # Given another name that resolves to the same server
    port, trusted = tls_server
    backend = PinnedBackend(policy=lambda: Policy.LOOPBACK, resolve=Answers(["127.0.0.1"]))
    client = httpx.Client(transport=PinnedTransport(backend=backend, verify=trusted))
    # When it is called by that name
    # Then the certificate (for provider.test only) does not pass: pinning did not turn verification off
    with client, pytest.raises(httpx.ConnectError, match=r"CERTIFICATE_VERIFY_FAILED|Hostname mismatch"):
        client.get(f"https://impostor.test:{port}/")
