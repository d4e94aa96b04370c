"""Which ``Host`` headers the emulator answers: against DNS rebinding.

A web page whose own domain is re-pointed at 127.0.0.1 becomes same-origin with a local
emulator, and could drive its API with the documented ``sk_test_local`` key, or read its
console. The ``Host`` header still names that page's domain, so the emulator answers only a
``Host`` naming this machine (``localhost``, a loopback address), the interface it listens on,
or a host the developer allowed (a container's name; ``*`` for any).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from yarl import URL

ANY_HOST = "*"


def host_name(host: str | None) -> str | None:
    """The name in a ``Host`` header, lower case, without its port; ``None`` when malformed."""
    if not host or any(c in host for c in "/@?#\\ "):
        return None
    try:
        name = URL(f"http://{host}").host
    except ValueError:  # no host, a bad port, a bad IPv6 literal
        return None
    return name.strip("[]").lower() if name else None


def loopback_host(host: str | None) -> bool:
    """Whether a ``Host`` header names this machine: ``localhost`` or a loopback address."""
    name = host_name(host)
    if name is None:
        return False
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def allowed_hosts(listening: str, allowed: Iterable[str]) -> frozenset[str]:
    """The host names answered besides loopback ones: the listening interface and ``allowed``.

    Raises:
        ValueError: an allowed host is not a host name (``*`` stands for any).
    """
    if isinstance(allowed, str):
        raise ValueError(f"allowed_hosts takes a list of host names, got {allowed!r}")
    names = {_allowed_name(host) for host in allowed}
    listening_name = host_name(listening)
    if listening_name:
        names.add(listening_name)
    return frozenset(names)


def _allowed_name(host: object) -> str:
    name = host_name(host) if isinstance(host, str) and host != ANY_HOST else host
    if not isinstance(name, str):
        raise ValueError(f"allowed_hosts: {host!r} is not a host name (or '*' for any)")
    return name


def host_allowed(host: str | None, allowed: frozenset[str]) -> bool:
    """Whether the API answers a request bearing the ``Host`` header ``host``."""
    if ANY_HOST in allowed:
        return True
    return loopback_host(host) or host_name(host) in allowed
