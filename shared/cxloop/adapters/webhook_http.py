"""Sending a webhook: resolve the host, and POST to the very addresses the domain checked
(cxloop.domain.integrations.destinations), so a name cannot be re-pointed between the check and
the connection (DNS rebinding). TLS still verifies the certificate against the host name.
Redirects are not followed: a 3xx is a failed attempt like any non-2xx answer."""

from __future__ import annotations

import http.client
import socket
import ssl
from collections.abc import Mapping

from cxloop.domain.integrations.destinations import Destination
from cxloop.domain.integrations.ports import Answer

TIMEOUT_S = 5.0
# Only the status matters; a receiver's long answer is not read past this.
READ_AT_MOST = 65536
USER_AGENT = "cxloop-webhooks/1"


def resolve_host(host: str) -> list[str]:
    """Every address the name resolves to (an address resolves to itself); empty if none."""
    try:
        found = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        return []
    return [str(info[4][0]).split("%", 1)[0] for info in found]


class _PinnedHttp(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHttps(http.client.HTTPSConnection):
    def __init__(
        self, host: str, port: int, *, address: str, timeout: float, context: ssl.SSLContext
    ) -> None:
        super().__init__(host, port, timeout=timeout, context=context)
        self.address = address
        self.tls = context

    def connect(self) -> None:
        raw = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self.tls.wrap_socket(raw, server_hostname=self.host)


class PinnedHttpPoster:
    def __init__(self, timeout_s: float = TIMEOUT_S, tls: ssl.SSLContext | None = None) -> None:
        self.timeout_s = timeout_s
        self.tls = tls or ssl.create_default_context()

    def post(self, destination: Destination, *, headers: Mapping[str, str], body: str) -> Answer:
        connection = self._connection(destination)
        try:
            connection.request(
                "POST",
                destination.path,
                body=body.encode("utf-8"),
                headers={**headers, "User-Agent": USER_AGENT},
            )
            answer = connection.getresponse()
            answer.read(READ_AT_MOST)
            return Answer(answer.status)
        except TimeoutError:
            return Answer(None, f"no answer within {self.timeout_s:g} s")
        except (OSError, http.client.HTTPException) as exc:
            return Answer(None, f"connection failed: {type(exc).__name__}")
        finally:
            connection.close()

    def _connection(self, destination: Destination) -> http.client.HTTPConnection:
        address = destination.addresses[0]
        if destination.scheme == "https":
            return _PinnedHttps(
                destination.host, destination.port, address=address, timeout=self.timeout_s, context=self.tls
            )
        return _PinnedHttp(destination.host, destination.port, address=address, timeout=self.timeout_s)
