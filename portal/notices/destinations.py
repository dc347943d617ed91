"""Where a webhook may be sent: the server-side request forgery rule, asked when an endpoint
is saved and again before every delivery (DNS can change between the two).

An endpoint URL must be `https://` and every address its host resolves to must be a public
one: no loopback, private (RFC 1918, fc00::/7), link-local, shared CGNAT (100.64.0.0/10),
multicast, unspecified, reserved or cloud metadata address (169.254.169.254, fd00:ec2::254),
an IPv4-mapped IPv6 address judged as the IPv4 address it carries. Hosts named in the
`WEBHOOK_ALLOWED_HOSTS` setting (host names or IP literals, exactly as in the URL) skip the
address and scheme checks: a receiver on the same private network, or the tests' receiver on
127.0.0.1. Redirects are never followed (`portal.notices.channels`).

The webhook client connects only through `connectable_address`, which resolves the host and
checks what it resolved to as the connection is made: a name whose DNS answer changes between
the delivery's check and the connection (rebinding) cannot steer the request elsewhere.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from flask import current_app

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

METADATA = frozenset({ipaddress.ip_address("169.254.169.254"),
                      ipaddress.ip_address("fd00:ec2::254")})
CGNAT = ipaddress.ip_network("100.64.0.0/10")


class UnsafeDestination(ValueError):
    """The URL may not receive webhooks; the message says why, for the person who typed it."""


def refusal_for(address: IPAddress) -> str | None:
    """Why `address` may not receive a webhook ("a loopback address"), or None when public."""
    if address in METADATA:
        return "a cloud metadata address"
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return refusal_for(address.ipv4_mapped)
    checks = (("unspecified", "an unspecified address"), ("loopback", "a loopback address"),
              ("link_local", "a link-local address"), ("multicast", "a multicast address"))
    for attribute, reason in checks:
        if getattr(address, f"is_{attribute}"):
            return reason
    if isinstance(address, ipaddress.IPv4Address) and address in CGNAT:
        return "a shared (CGNAT) address"
    if address.is_reserved:
        return "a reserved address"
    if address.is_private:
        return "a private address"
    if not address.is_global:
        return "a reserved address"
    return None


def _allowed_hosts() -> set[str]:
    return {str(host).lower() for host in current_app.config.get("WEBHOOK_ALLOWED_HOSTS", [])}


def _resolve(host: str, port: int) -> list[IPAddress]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeDestination(f"The host {host} does not resolve.") from exc
    return [ipaddress.ip_address(answer[4][0].split("%", 1)[0]) for answer in answers]


def connectable_address(host: str, port: int) -> str:
    """The address to open a webhook connection to for `host`: the host itself when
    `WEBHOOK_ALLOWED_HOSTS` names it, else the first address it resolves to now, every one of
    them checked. Raises UnsafeDestination."""
    if host.lower() in _allowed_hosts():
        return host
    addresses = _resolve(host.strip("[]"), port)
    for address in addresses:
        reason = refusal_for(address)
        if reason:
            raise UnsafeDestination(f"Webhooks cannot be sent to {host} ({address}): it is "
                                    f"{reason}.")
    return str(addresses[0])


def check_url(url: str) -> None:
    """Raise UnsafeDestination unless `url` may receive webhooks now (resolving its host)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise UnsafeDestination("Enter a valid URL.") from exc
    host = (parts.hostname or "").lower()
    if not host or parts.scheme not in ("https", "http"):
        raise UnsafeDestination("Enter a full https:// URL.")
    if parts.username or parts.password:
        raise UnsafeDestination("Leave user names and passwords out of the URL.")
    if host in _allowed_hosts():
        return
    if parts.scheme != "https":
        raise UnsafeDestination("Webhooks are sent over https only: use an https:// URL.")
    for address in _resolve(host, port or 443):
        reason = refusal_for(address)
        if reason:
            shown = "" if str(address) == host.strip("[]") else f" ({address})"
            raise UnsafeDestination(
                f"Webhooks cannot be sent to {host}{shown}: it is {reason}.")
