"""Fixtures of the remote-server tests (see `_http_support`)."""

from _http_support import cluster, redis_server

__all__ = ["cluster", "redis_server"]
