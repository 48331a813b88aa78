"""API keys, the Origin check and a per-client rate limit."""

from __future__ import annotations

import hmac
import threading
import time
from collections import deque

from fastapi import HTTPException, Request, status

from rag.config import Settings


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _matches(token: str | None, *keys: str | None) -> bool:
    return token is not None and any(k and hmac.compare_digest(token, k) for k in keys)


def require_reader(request: Request, settings: Settings) -> list[str] | None:
    """Reads need a key when a reader key is configured: the API key or the admin key (every collection), or a
    key of RAG_COLLECTION_KEYS (its collections only). Returns the collections the caller may read, None for all."""
    token = _bearer(request)
    if settings.api_key is None and not settings.collection_keys:
        return None  # reads are open; only writes may be protected
    if _matches(token, settings.api_key, settings.admin_key):
        return None
    for key, collections in settings.collection_keys.items():
        if _matches(token, key):
            return list(collections)
    raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing or wrong API key (Authorization: Bearer …)",
                        headers={"WWW-Authenticate": "Bearer"})


def require_writer(request: Request, settings: Settings) -> None:
    """Writes need the admin key when one is configured, else the API key when that is."""
    key = settings.admin_key or settings.api_key
    if key is None:
        return
    if not _matches(_bearer(request), key):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED if _bearer(request) is None else status.HTTP_403_FORBIDDEN,
                            "this endpoint needs the admin key (Authorization: Bearer …)",
                            headers={"WWW-Authenticate": "Bearer"})


def origin_allowed(request: Request, settings: Settings) -> bool:
    """A browser call from another origin must come from one listed in RAG_CORS_ORIGINS."""
    origin = request.headers.get("origin")
    if origin is None:
        return True  # not a cross-origin browser call
    own = f"{request.url.scheme}://{request.url.netloc}"
    return origin.rstrip("/") in (own, *settings.cors_origins)


_LOOPBACK = ("127.0.0.1", "::1")


class RateLimiter:
    """Sliding one-minute window per address, for callers without a valid key.

    Keyed callers (programs the operator gave a key) and, unless `rate_limit_loopback`, callers on this machine
    (evaluation scripts, a reverse proxy's health checks) are not limited: the limit is there to keep one
    anonymous browser tab on the intranet from starving the others."""

    def __init__(self, settings: Settings):
        self.per_minute = settings.rate_limit
        self.settings = settings
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, request: Request) -> float | None:
        """None when the request may go on, else the seconds to wait."""
        if self.per_minute <= 0 or _matches(_bearer(request), self.settings.api_key, self.settings.admin_key,
                                            *self.settings.collection_keys):
            return None
        client = request.client.host if request.client else "unknown"
        if client in _LOOPBACK and not self.settings.rate_limit_loopback:
            return None
        now = time.monotonic()
        with self._lock:
            hits = self._hits.setdefault(client, deque())
            while hits and now - hits[0] >= 60:
                hits.popleft()
            if len(hits) >= self.per_minute:
                return 60 - (now - hits[0])
            hits.append(now)
            return None
