"""API keys and per-client rate limiting (a token bucket per key, or per client IP without a key)."""

from __future__ import annotations

import hashlib
import hmac
import math
import threading
import time
from collections import OrderedDict

from ghintel_api.core.config import RateLimit


def key_matches(provided: str | None, keys: tuple[bytes, ...]) -> bool:
    """Constant-time comparison against every configured key (no early exit on the first match)."""
    if not provided:
        return False
    candidate = provided.encode("utf-8", "surrogateescape")
    matched = False
    for key in keys:
        matched |= hmac.compare_digest(candidate, key)
    return matched


def client_identity(api_key: str | None, client_host: str | None) -> str:
    """Bucket key: a digest of the API key (never the key itself), else the client address."""
    if api_key:
        return "key:" + hashlib.sha256(api_key.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    return "ip:" + (client_host or "unknown")


class TokenBuckets:
    """``capacity`` requests in a burst, refilled at capacity/period per second, per identity.

    Bounded: the least recently seen identities are forgotten beyond ``max_clients`` (a forgotten
    client starts again with a full bucket, which errs on the side of serving).
    """

    def __init__(self, limit: RateLimit, max_clients: int = 10_000):
        self.limit = limit
        self.max_clients = max_clients
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, identity: str, now: float | None = None) -> float | None:
        """Take one token: None when allowed, else the seconds until one is available."""
        now = time.monotonic() if now is None else now
        rate = self.limit.refill_per_second
        with self._lock:
            tokens, last = self._buckets.pop(identity, (float(self.limit.capacity), now))
            tokens = min(float(self.limit.capacity), tokens + (now - last) * rate)
            if tokens >= 1.0:
                self._buckets[identity] = (tokens - 1.0, now)
                wait = None
            else:
                self._buckets[identity] = (tokens, now)
                wait = (1.0 - tokens) / rate
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
        return wait


def retry_after_header(wait_s: float) -> str:
    return str(max(1, math.ceil(wait_s)))
