"""Where a webhook may be sent: never to the cloud's metadata service, a private network, a
link-local or loopback address, nor to a name that resolves to one (server-side request forgery).

The check runs when a subscription is made and again before every delivery, on the addresses
the delivery will connect to, so a name re-pointed after the subscription (DNS rebinding) is
refused too. Only the local runtime accepts http://127.0.0.1 and http://localhost, so a developer
can receive deliveries on their own machine; link-local and metadata addresses stay refused there.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from cxloop.domain.kernel.errors import FieldProblem, InvalidInput

# A host name to the addresses it resolves to (the adapter's getaddrinfo); empty when it does not.
Resolver = Callable[[str], Sequence[str]]
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})
# Cloud metadata services outside 169.254.0.0/16: AWS's IPv6 one, Alibaba's and Oracle's.
_METADATA = tuple(
    ipaddress.ip_network(n) for n in ("fd00:ec2::254/128", "100.100.100.200/32", "192.0.0.192/32")
)
_METADATA_HOSTS = frozenset({ipaddress.ip_address("169.254.169.254")})
# Carrier-grade NAT (RFC 6598): not "private" to the ipaddress module, yet never a public endpoint.
_SHARED = ipaddress.ip_network("100.64.0.0/10")
MAX_URL_LENGTH = 2048


@dataclass(frozen=True)
class Destination:
    """A checked URL and the addresses a delivery may connect to (pinned: no second lookup)."""

    url: str
    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[str, ...]


def check_destination(url: str, *, resolve: Resolver, local: bool = False) -> Destination:
    """The destination, or InvalidInput naming `url`. `local`: the local runtime's exception."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if len(url) > MAX_URL_LENGTH or not host or parts.username or parts.password:
        raise _refused("an absolute URL without credentials, at most 2048 characters")
    developer_loopback = local and parts.scheme == "http" and host in LOCAL_HOSTS
    if parts.scheme != "https" and not developer_loopback:
        raise _refused("must use https" + (" (or http://127.0.0.1 or http://localhost)" if local else ""))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise _refused("the port is not a number from 1 to 65535") from None
    addresses = tuple(dict.fromkeys(resolve(host)))
    if not addresses:
        raise _refused(f"{host} does not resolve to any address")
    for address in addresses:
        problem = unsafe_reason(ipaddress.ip_address(address), allow_loopback=developer_loopback)
        if problem:
            raise _refused(f"{host} resolves to {problem}, where webhooks are never sent")
    path = parts.path or "/"
    return Destination(
        url=url.strip(),
        scheme=parts.scheme,
        host=host,
        port=port,
        path=f"{path}?{parts.query}" if parts.query else path,
        addresses=addresses,
    )


def unsafe_reason(address: Address, *, allow_loopback: bool = False) -> str | None:
    """Why an address is refused, or None when it is a public one."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return unsafe_reason(address.ipv4_mapped, allow_loopback=allow_loopback)
    checks = (
        (address in _METADATA_HOSTS or any(address in n for n in _METADATA), "a cloud metadata address"),
        (address.is_link_local, "a link-local address"),
        (address.is_loopback and not allow_loopback, "a loopback address"),
        ((address.is_private and not address.is_loopback) or address in _SHARED, "a private address"),
        (address.is_multicast or address.is_unspecified or address.is_reserved, "a reserved address"),
    )
    return next((reason for refused, reason in checks if refused), None)


def _refused(problem: str) -> InvalidInput:
    return InvalidInput("the webhook URL is not an allowed destination", [FieldProblem("url", problem)])
