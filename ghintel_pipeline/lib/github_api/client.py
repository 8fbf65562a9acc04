"""HTTP access to GitHub's REST events endpoints: conditional GETs, rate limits and retries.

GitHub's rules (REST docs, "Rate limits" and "Best practices"):
- a ``304 Not Modified`` answer to ``If-None-Match`` does not count against the rate limit;
- ``X-RateLimit-Remaining: 0`` means: wait until ``X-RateLimit-Reset`` (epoch seconds);
- ``403``/``429`` secondary limits: wait ``Retry-After`` seconds when given, otherwise until the
  reset when the remaining count is 0, otherwise at least one minute;
- ``5xx`` and network failures are transient: retry with exponential backoff.

Clock and sleep are injected so tests drive time without really sleeping.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt, stop_any
from tenacity.wait import wait_exponential

from ghintel_pipeline.lib.records import AsDict

log = logging.getLogger(__name__)

USER_AGENT = "ghintel-live-poller"
SECONDARY_LIMIT_WAIT_S = 60.0


class GitHubApiError(RuntimeError):
    """A request failed for good (after the retries it deserved)."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class GitHubUnreachable(GitHubApiError):
    """The API could not be reached at all (DNS, refused connection, timeouts) after retries."""


class _Retryable(Exception):
    def __init__(self, reason: str, wait_s: float | None = None, response: httpx.Response | None = None):
        super().__init__(reason)
        self.wait_s = wait_s
        self.response = response


class _NetworkFailure(_Retryable):
    pass


class _RateLimited(_Retryable):
    pass


@dataclass
class RateLimit(AsDict):
    """The last rate-limit state the API reported (shared by every endpoint of one token/IP)."""

    limit: int | None = None
    remaining: int | None = None
    reset: float | None = None

    def update(self, headers: httpx.Headers) -> None:
        self.limit = _int_header(headers, "x-ratelimit-limit", self.limit)
        self.remaining = _int_header(headers, "x-ratelimit-remaining", self.remaining)
        reset = _int_header(headers, "x-ratelimit-reset", None)
        if reset is not None:
            self.reset = float(reset)


@dataclass
class ApiResponse:
    url: str
    status: int
    headers: httpx.Headers
    content: bytes
    links: dict[str, str]
    """``rel`` -> URL of the ``Link`` header (pagination), as httpx parses it."""

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def poll_interval(self) -> float | None:
        value = _int_header(self.headers, "x-poll-interval", None)
        return float(value) if value is not None else None


def _int_header(headers: httpx.Headers, name: str, default: int | None) -> int | None:
    try:
        return int(headers[name])
    except (KeyError, ValueError):
        return default


def _retry_after_s(value: str | None, now: float) -> float | None:
    """Retry-After is either delay seconds or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - now)
        except (TypeError, ValueError):
            return None


class EventsApiClient:
    """One ``httpx.Client`` plus GitHub's retry and rate-limit rules; tracks counters for stats."""

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        should_stop: Callable[[], bool] = lambda: False,
        max_attempts: int = 4,
        backoff_s: float = 1.0,
        max_backoff_s: float = 60.0,
        timeout_s: float = 15.0,
        transport: httpx.BaseTransport | None = None,
    ):
        self.base_url = base_url.rstrip("/")
        self._origin = urlsplit(self.base_url)[:2]
        headers = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
            "User-Agent": USER_AGENT,
        }
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._http = httpx.Client(
            headers=headers, timeout=timeout_s, transport=transport, follow_redirects=True
        )
        self.clock = clock
        self._sleep = sleep
        self.should_stop = should_stop
        self.max_attempts = max_attempts
        self._backoff = wait_exponential(multiplier=backoff_s, max=max_backoff_s)
        self.rate = RateLimit()
        self.requests = 0
        self.responses = 0
        self.retries = 0
        self.rate_limit_waits = 0
        self.rate_limit_wait_s = 0.0

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> EventsApiClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def same_origin(self, url: str) -> bool:
        """Never follow a Link to another host: it would receive our token."""
        return urlsplit(url)[:2] == self._origin

    def get(self, url: str, *, params: dict[str, Any] | None = None, etag: str | None = None) -> ApiResponse:
        """GET with retries. Returns 2xx/304 and non-retryable 4xx answers; raises on exhausted retries."""
        retrying = Retrying(
            stop=stop_any(stop_after_attempt(self.max_attempts), lambda _state: self.should_stop()),
            wait=self._wait,
            retry=retry_if_exception_type(_Retryable),
            sleep=self._retry_sleep,
            reraise=True,
        )
        try:
            return retrying(self._attempt, url, params, etag)
        except _NetworkFailure as exc:
            raise GitHubUnreachable(f"cannot reach {url}: {exc}") from exc.__cause__
        except _Retryable as exc:
            status = exc.response.status_code if exc.response is not None else None
            raise GitHubApiError(f"GET {url} failed: {exc}", status=status) from exc

    def _attempt(self, url: str, params: dict[str, Any] | None, etag: str | None) -> ApiResponse:
        self._await_rate_limit()
        headers = {"If-None-Match": etag} if etag else {}
        self.requests += 1
        try:
            response = self._http.get(url, params=params, headers=headers)
        except httpx.TransportError as exc:
            raise _NetworkFailure(f"{type(exc).__name__}: {exc}") from exc
        self.responses += 1
        self.rate.update(response.headers)
        status = response.status_code
        if status >= 500:
            raise _Retryable(f"HTTP {status}", response=response)
        if status in (403, 429):
            wait_s = self._limit_wait_s(response)
            if wait_s is not None:
                raise _RateLimited(f"HTTP {status} rate limited", wait_s=wait_s, response=response)
        links = {rel: link["url"] for rel, link in response.links.items()}
        return ApiResponse(str(response.url), status, response.headers, response.content, links)

    def _limit_wait_s(self, response: httpx.Response) -> float | None:
        """How long a 403/429 asks us to wait, or None when it is not a rate limit (plain forbidden)."""
        now = self.clock()
        retry_after = _retry_after_s(response.headers.get("retry-after"), now)
        if retry_after is not None:
            return retry_after
        if response.headers.get("x-ratelimit-remaining") == "0" and self.rate.reset is not None:
            return max(0.0, self.rate.reset - now) + 1.0
        if response.status_code == 429 or b"rate limit" in response.content.lower():
            return SECONDARY_LIMIT_WAIT_S
        return None

    def _await_rate_limit(self) -> None:
        """The primary limit is exhausted: requests would fail until the reset, so sleep until then."""
        if self.rate.remaining != 0 or self.rate.reset is None:
            return
        wait_s = self.rate.reset - self.clock()
        if wait_s <= 0:
            return
        wait_s += 1.0  # the reset second itself may still be limited
        log.warning("rate limit exhausted; sleeping %.0f s until the reset", wait_s)
        self._count_limit_wait(wait_s)
        self._sleep(wait_s)
        self.rate.remaining = None

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, _RateLimited) and exc.wait_s is not None:
            self._count_limit_wait(exc.wait_s)
            return exc.wait_s
        return self._backoff(state)

    def _retry_sleep(self, seconds: float) -> None:
        self.retries += 1
        log.warning("retrying GitHub request in %.1f s", seconds)
        self._sleep(seconds)

    def _count_limit_wait(self, seconds: float) -> None:
        self.rate_limit_waits += 1
        self.rate_limit_wait_s += seconds
