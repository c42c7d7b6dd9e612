"""The client's address, for throttles, sign-in (axes), consents, signatures and their logs.

`REMOTE_ADDR` is the address that opened the connection. `X-Forwarded-For` is a header anyone
can send, so it is read only when the connection comes from a proxy the settings trust:

- `TRUSTED_PROXIES`: addresses or networks (CIDR) of our own proxies. When `REMOTE_ADDR` is one
  of them, the header is read from the right, skipping our proxies; the first address that is
  not one of them is the client.
- `TRUSTED_PROXY_HOPS`: when the proxies' addresses are not known but their number is (the app
  is reachable only through them), the client is the address that many places from the right
  of the header. Used only when `TRUSTED_PROXIES` is empty.

With neither set (the default) the header is ignored.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

FORWARDED_FOR = "HTTP_X_FORWARDED_FOR"
# Only so many hops from the right are read: a longer header is the client's own invention.
MAX_HOPS = 20

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@lru_cache(maxsize=8)
def trusted_networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    """The networks a TRUSTED_PROXIES list names; a bad entry stops the start-up."""
    networks = []
    for entry in entries:
        entry = entry.strip()
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError as exc:
            raise ImproperlyConfigured(f"TRUSTED_PROXIES: {entry!r} is not an address") from exc
    return tuple(networks)


def _address(text: str) -> Address | None:
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def _trusted(address: Address, networks: tuple[Network, ...]) -> bool:
    return any(address in network for network in networks)


def client_ip(request) -> str | None:
    """The client's address as a normalised string, or None when there is no valid one."""
    remote = _address(request.META.get("REMOTE_ADDR") or "")
    if remote is None:
        return None
    networks = trusted_networks(tuple(getattr(settings, "TRUSTED_PROXIES", ())))
    hops = int(getattr(settings, "TRUSTED_PROXY_HOPS", 0) or 0)
    if networks:
        if not _trusted(remote, networks):
            return str(remote)
        return str(_behind_trusted_proxies(request, remote, networks))
    if hops > 0:
        return str(_behind_counted_proxies(request, remote, hops))
    return str(remote)


def _forwarded_chain(request) -> list[str]:
    header = request.META.get(FORWARDED_FOR) or ""
    return [part for part in header.split(",") if part.strip()][-MAX_HOPS:]


def _behind_trusted_proxies(request, remote: Address, networks: tuple[Network, ...]) -> Address:
    client = remote
    for entry in reversed(_forwarded_chain(request)):
        address = _address(entry)
        if address is None:
            # Our proxies write addresses; a word here came from the client: the last proxy
            # that passed it on is all we know.
            return client
        client = address
        if not _trusted(address, networks):
            return address
    return client


def _behind_counted_proxies(request, remote: Address, hops: int) -> Address:
    chain = _forwarded_chain(request)
    if len(chain) < hops:
        # Fewer entries than proxies: the request did not come through all of them.
        return remote
    return _address(chain[-hops]) or remote
