"""API keys, per-client rate limiting charged by request cost (a token bucket per key, or per client
IP without a key), and the throttle on failed authentication."""

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

    def take(self, identity: str, now: float | None = None, cost: float = 1.0) -> float | None:
        """Take ``cost`` tokens: None when allowed, else the seconds until they are available.

        A cost above the capacity is charged as the whole capacity, so it stays possible.
        """
        now = time.monotonic() if now is None else now
        rate = self.limit.refill_per_second
        cost = min(cost, float(self.limit.capacity))
        with self._lock:
            tokens, last = self._buckets.pop(identity, (float(self.limit.capacity), now))
            tokens = min(float(self.limit.capacity), tokens + (now - last) * rate)
            if tokens >= cost:
                self._buckets[identity] = (tokens - cost, now)
                wait = None
            else:
                self._buckets[identity] = (tokens, now)
                wait = (cost - tokens) / rate
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
        return wait


def retry_after_header(wait_s: float) -> str:
    return str(max(1, math.ceil(wait_s)))


class AuthThrottle:
    """Failed authentication per client address: ``free`` failures, then each further failure bars
    the address for twice as long as the previous one (1 s, 2 s, 4 s ... up to ``max_block_s``).

    A success or a quiet spell of ``max_block_s`` forgives the past. Bounded like TokenBuckets.
    """

    def __init__(self, free: int, max_block_s: float = 300.0, max_clients: int = 10_000):
        self.free = free
        self.max_block_s = max_block_s
        self.max_clients = max_clients
        self._state: OrderedDict[str, tuple[int, float, float]] = OrderedDict()  # failures, last, until
        self._lock = threading.Lock()

    def blocked_for(self, address: str, now: float | None = None) -> float | None:
        """Seconds the address is still barred, or None."""
        now = time.monotonic() if now is None else now
        with self._lock:
            state = self._state.get(address)
        if state is None or state[2] <= now:
            return None
        return state[2] - now

    def failed(self, address: str, now: float | None = None) -> float | None:
        """Record a failure; returns the block it started, if any."""
        now = time.monotonic() if now is None else now
        with self._lock:
            failures, last, _ = self._state.pop(address, (0, now, now))
            if now - last > self.max_block_s:
                failures = 0
            failures += 1
            over = failures - self.free
            block = min(self.max_block_s, 2.0 ** (over - 1)) if over > 0 else 0.0
            self._state[address] = (failures, now, now + block)
            while len(self._state) > self.max_clients:
                self._state.popitem(last=False)
        return block or None

    def succeeded(self, address: str) -> None:
        with self._lock:
            self._state.pop(address, None)


EXPENSIVE_COST = 3
_WINDOW_COST = {"1h": 1, "24h": 1, "7d": 2, "30d": 3}
_WINDOWED = ("/actors/top", "/org/", "/repo/")


def request_cost(path: str, params: dict[str, str]) -> int:
    """Rate-limit tokens a request costs, in units of a point lookup on the in-memory gold copies.

    ``/events`` scans silver (Parquet through Arrow): 4. Windowed aggregates cost by the span they
    read (7d: 2, 30d: 3); trending is precomputed per window, so 1 at any window. A request costing
    ``EXPENSIVE_COST`` or more also needs a slot of the concurrency cap.
    """
    if path == "/events":
        return 4
    if path.startswith(_WINDOWED):
        return _WINDOW_COST.get(params.get("window", "24h"), 1)
    return 1
