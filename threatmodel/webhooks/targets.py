"""The SSRF guard: a webhook may only target a public address.

A URL whose host resolves to a private, loopback, link-local (cloud metadata lives there), shared,
reserved, multicast or unspecified address is refused, at registration and again at every delivery
(the name may resolve elsewhere by then), unless `settings.WEBHOOK_ALLOWED_HOSTS` lists the host
name, the address or a network containing it (development and tests allow 127.0.0.1). Delivery
connects to the address that was checked, so DNS cannot change between the check and the request.
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

# Named for the error message; every one of them is also outside the global range.
METADATA_ADDRESSES = {
    ipaddress.ip_address("169.254.169.254"),  # AWS, GCP, Azure, OpenStack, DigitalOcean, ...
    ipaddress.ip_address("169.254.170.2"),    # AWS ECS task metadata
    ipaddress.ip_address("fd00:ec2::254"),    # AWS IPv6
    ipaddress.ip_address("100.100.100.200"),  # Alibaba Cloud
    ipaddress.ip_address("192.0.0.192"),      # Oracle Cloud
}
MAX_URL_LENGTH = 500


class TargetRefused(ValueError):
    """The URL is not an acceptable webhook target; the message says why."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[str, ...]


def _allowed_entries():
    hosts, networks = set(), []
    for entry in getattr(settings, "WEBHOOK_ALLOWED_HOSTS", []) or []:
        entry = str(entry).strip().lower()
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
        except ValueError:
            hosts.add(entry)
    return hosts, networks


def why_blocked(ip) -> str | None:
    """None for a public address, else what it is."""
    ip = getattr(ip, "ipv4_mapped", None) or ip
    if ip in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_private:
        return "a private address"
    if ip.is_multicast or ip.is_unspecified or ip.is_reserved or not ip.is_global:
        return "not a public address"
    return None


def parse(url: str):
    if not isinstance(url, str) or not url.strip():
        raise TargetRefused("Give the URL of your endpoint.")
    if len(url) > MAX_URL_LENGTH:
        raise TargetRefused(f"At most {MAX_URL_LENGTH} characters.")
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise TargetRefused("This is not a valid URL.") from exc
    if parts.scheme not in ("http", "https"):
        raise TargetRefused("Use an http or https URL.")
    if not parts.hostname:
        raise TargetRefused("The URL needs a host.")
    if parts.username is not None or parts.password is not None:
        raise TargetRefused("Put no credentials in the URL; verify the signature instead.")
    if parts.fragment:
        raise TargetRefused("A webhook URL has no #fragment.")
    port = port or (443 if parts.scheme == "https" else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, parts.hostname.lower(), port, path


def resolve(url: str, *, resolver=None) -> Target:
    """Parse and resolve `url`; TargetRefused unless every address it resolves to may be called."""
    resolver = resolver or socket.getaddrinfo
    scheme, host, port, path = parse(url)
    hosts, networks = _allowed_entries()
    host_allowed = host in hosts
    try:
        infos = resolver(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError) as exc:
        raise TargetRefused(f"The host '{host}' cannot be resolved.") from exc
    addresses = []
    for info in infos:
        raw = info[4][0].split("%", 1)[0]
        ip = ipaddress.ip_address(raw)
        reason = why_blocked(ip)
        if reason and not host_allowed and not any(ip in net for net in networks):
            raise TargetRefused(f"'{host}' resolves to {ip}, {reason}; webhooks only call public addresses "
                                "(an operator can allow it in WEBHOOK_ALLOWED_HOSTS).")
        if raw not in addresses:
            addresses.append(raw)
    if not addresses:
        raise TargetRefused(f"The host '{host}' cannot be resolved.")
    return Target(scheme=scheme, host=host, port=port, path=path, addresses=tuple(addresses))
