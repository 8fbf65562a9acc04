"""StarScout-style evidence for a star anomaly, computed from rows the API returned.

Each signal is a measurement with a strength in [0, 1] and a label, never a verdict: a repo that
went viral on a news site can show a burst of new accounts too. The account rules themselves
(low-activity, id percentile) are gold's dim_actors columns, defined in dbt; this module only
summarises the rows.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime

from ghintel_api.core.windows import parse_time


@dataclass(frozen=True)
class Signal:
    name: str
    value: float
    strength: float
    detail: str
    proxy: bool = False

    @property
    def label(self) -> str:
        return "strong" if self.strength >= 0.6 else "moderate" if self.strength >= 0.3 else "weak"

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "value": self.value,
            "strength": round(self.strength, 3),
            "label": self.label,
            "proxy": self.proxy,
            "detail": self.detail,
        }


def _clamp(value: float) -> float:
    return max(0.0, min(1.0, value))


def low_activity_share(stargazers: list[dict]) -> Signal | None:
    """Share of stargazers whose whole history is one day, at most 2 events, at most 1 repo."""
    known = [s for s in stargazers if s.get("is_low_activity") is not None]
    if not known:
        return None
    low = sum(1 for s in known if s["is_low_activity"])
    share = low / len(known)
    return Signal(
        "low_activity_share",
        round(share, 4),
        share,
        f"{low} of {len(known)} stargazers are low-activity accounts",
    )


def lockstep_costarring(stargazers: int, co_starred: list[dict]) -> Signal | None:
    """The other repo most of these accounts also starred in the same span."""
    if not stargazers or not co_starred:
        return None
    top = max(co_starred, key=lambda r: r["shared_stargazers"])
    share = top["shared_stargazers"] / stargazers
    detail = f"{top['shared_stargazers']} of {stargazers} stargazers also starred {top['repo_name']}"
    return Signal("lockstep_costarring", round(share, 4), share, detail)


def account_age_proxy(stargazers: list[dict]) -> Signal | None:
    """Median actor-id percentile of the stargazers: ids grow with account creation, so a median
    near 1 means mostly the newest accounts the lake has seen. A PROXY, not an age."""
    ranks = [s["actor_id_percentile"] for s in stargazers if s.get("actor_id_percentile") is not None]
    if not ranks:
        return None
    median = statistics.median_low(ranks)  # a value of a cited row, not an interpolation
    detail = f"median actor-id percentile {median:.4f}"
    return Signal("account_age_proxy", round(median, 4), _clamp((median - 0.5) / 0.5), detail, proxy=True)


def fork_star_ratio(stars: int, forks: int, reference_stars: int, reference_forks: int) -> Signal | None:
    """Forks per star against the same window's trending repos: bought stars bring no forks."""
    if stars <= 0 or reference_stars <= 0:
        return None
    ratio = forks / stars
    reference = reference_forks / reference_stars
    strength = _clamp(1 - ratio / reference) if reference > 0 else 0.0
    side = "fewer" if ratio < reference else "at least as many"
    detail = f"{forks} forks for {stars} stars, {side} forks per star than the same window's trending repos"
    return Signal("fork_star_ratio", round(ratio, 4), strength, detail)


def burst_concentration(hour_stars: int, window_stars: int) -> Signal | None:
    """Share of the trailing day's stars that fell in the anomalous hour."""
    if window_stars <= 0:
        return None
    share = hour_stars / window_stars
    detail = f"{hour_stars} of {window_stars} stars of the trailing day fell in the anomalous hour"
    return Signal("burst_concentration", round(share, 4), share, detail)


def arrival_regularity(starred_at: list[datetime | str]) -> Signal | None:
    """1 - coefficient of variation of the gaps between stars: scripted stars arrive evenly spaced,
    organic ones in clumps (CV around 1 for random arrivals)."""
    times = sorted(parse_time(t, "starred_at") if isinstance(t, str) else t for t in starred_at)
    gaps = [(b - a).total_seconds() for a, b in zip(times, times[1:], strict=False)]
    if len(gaps) < 3 or statistics.mean(gaps) == 0:
        return None
    cv = statistics.pstdev(gaps) / statistics.mean(gaps)
    shape = "evenly spaced (scripted-like)" if cv < 0.5 else "clumped or random (organic-like)"
    detail = f"the gaps between the {len(times)} stars are {shape}"
    return Signal("arrival_regularity", round(cv, 4), _clamp(1 - cv), detail)
