"""The one rule for every URL the resource server trusts: HTTPS, or plain HTTP to this machine only."""

from __future__ import annotations

from urllib.parse import urlsplit

__all__ = ["LOOPBACK_HOSTS", "is_secure_url"]

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def is_secure_url(url: str) -> bool:
    """True for an absolute `https` URL, or an `http` URL whose host is a loopback name (local development and
    tests). Never a URL with a fragment or embedded credentials: an issuer, an audience and a key-set address
    are compared and fetched as they are, so they must be plain."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return False
    if not host or parts.fragment or parts.username is not None or parts.password is not None:
        return False
    if parts.scheme == "https":
        return True
    return parts.scheme == "http" and host in LOOPBACK_HOSTS
