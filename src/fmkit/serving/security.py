"""API-key checks with a short trust cache, and a per-client token-bucket rate limit."""

from __future__ import annotations

import threading
import time

from fmkit.workspace.keys import KeyInfo, verify_key
from fmkit.workspace.registry import Workspace


class KeyCache:
    """Verified keys are trusted for ``ttl_s`` seconds, so a revocation takes effect within that time while
    most requests skip the database."""

    def __init__(self, ws: Workspace, ttl_s: float) -> None:
        self.ws, self.ttl_s = ws, ttl_s
        self._cache: dict[str, tuple[float, KeyInfo | None]] = {}
        self._lock = threading.Lock()

    def verify(self, key: str) -> KeyInfo | None:
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(key)
        if hit is not None and now - hit[0] < self.ttl_s:
            return hit[1]
        info = verify_key(self.ws, key)
        with self._lock:
            if len(self._cache) > 10_000:  # bounded: random keys from a scanner cannot grow it forever
                self._cache.clear()
            self._cache[key] = (now, info)
        return info


class RateLimiter:
    """Token buckets per client: ``rate`` requests per second, bursts up to twice that."""

    def __init__(self, rate: float) -> None:
        self.rate, self.burst = rate, max(1.0, 2 * rate)
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def allow(self, client: str) -> float:
        """0 when the request may go ahead, else the seconds to wait before retrying."""
        if self.rate <= 0:
            return 0.0
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(client, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens >= 1:
                self._buckets[client] = (tokens - 1, now)
                return 0.0
            self._buckets[client] = (tokens, now)
            return (1 - tokens) / self.rate
