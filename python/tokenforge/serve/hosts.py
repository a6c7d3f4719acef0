"""Which addresses are local, and which Host headers the app accepts when it listens on one."""

from __future__ import annotations

import ipaddress


def is_loopback(host: str) -> bool:
    """Whether `host` is reachable from this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def allowed_hosts(host: str) -> list[str]:
    """The Host headers accepted when serving on `host`: on an IPv4 loopback address only local names (so that a
    web page elsewhere cannot reach the API through DNS rebinding), else any."""
    return sorted({host, "localhost", "127.0.0.1"}) if is_loopback(host) and ":" not in host else ["*"]
