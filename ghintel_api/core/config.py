"""API configuration: its settings slice plus the parsing of the API's own fields."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ghintel_pipeline.lib.settings import ApiSettings

_RATE = re.compile(r"^\s*(\d+)\s*/\s*(second|minute|hour)s?\s*$", re.IGNORECASE)
_PERIOD_S = {"second": 1.0, "minute": 60.0, "hour": 3600.0}


@lru_cache
def get_settings() -> ApiSettings:
    """The app's settings; tests call ``get_settings.cache_clear()`` or pass settings to create_app."""
    return ApiSettings()


@dataclass(frozen=True)
class RateLimit:
    capacity: int
    per_seconds: float

    @property
    def refill_per_second(self) -> float:
        return self.capacity / self.per_seconds


def parse_rate_limit(text: str) -> RateLimit | None:
    """``"120/minute"`` -> RateLimit(120, 60); ``""``, ``"0"`` or ``"off"`` -> None (no limit)."""
    text = (text or "").strip()
    if text.lower() in {"", "0", "off", "none"}:
        return None
    match = _RATE.match(text)
    if not match:
        raise ValueError(f"GHINTEL_API_RATE_LIMIT must look like '120/minute', got {text!r}")
    count = int(match.group(1))
    if count == 0:
        return None
    return RateLimit(capacity=count, per_seconds=_PERIOD_S[match.group(2).lower()])


def parse_api_keys(text: str) -> tuple[bytes, ...]:
    return tuple(key.strip().encode() for key in (text or "").split(",") if key.strip())
