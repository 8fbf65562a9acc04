"""Every environment variable ghintel has documented keeps configuring the same setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from ghintel_pipeline.lib.settings import (
    BrokerSettings,
    LakeSettings,
    PlatformSettings,
    PollerSettings,
    Settings,
)

# The variable names as released: renaming a field would silently drop a user's configuration.
RELEASED_NAMES = """
GHINTEL_HOME GHINTEL_AGENT_WEBHOOK_URL GHINTEL_MONITOR_INTERVAL_S GHINTEL_MONITOR_MAX_PER_RUN
GHINTEL_DIGEST_CRON GHINTEL_DIGEST_WINDOW GHINTEL_REPORT_CRON GHINTEL_REPORT_TOP_N
GHINTEL_REPORT_LOOKBACK_HOURS GHINTEL_REPORT_COVERAGE_HOURS GHINTEL_REPORT_KEEP GHINTEL_API_URL
GHINTEL_LLM_BASE_URL GHINTEL_LLM_MODEL GHINTEL_LLM_API_KEY GHINTEL_EMBED_BASE_URL GHINTEL_EMBED_MODEL
GHINTEL_EMBED_API_KEY GHINTEL_MAX_QUARANTINE_SHARE GHINTEL_FRESHNESS_MINUTES GHINTEL_FUTURE_SKEW_MINUTES
GHINTEL_HOST GHINTEL_DAGSTER_PORT GHINTEL_API_PORT GHINTEL_SOURCE GHINTEL_SERVICES GHINTEL_STOP_TIMEOUT_S
GHINTEL_START_TIMEOUT_S GHINTEL_DRAIN_TIMEOUT_S GHINTEL_HEALTH_MAX_LAG GHINTEL_HEALTH_INTERVAL_S
GHINTEL_SENSOR_INTERVAL_S GHINTEL_DAGSTER_PG_URL GHINTEL_LAKE_ROOT GHINTEL_S3_ENDPOINT_URL
AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_REGION GHINTEL_S3_ALLOW_HTTP GHINTEL_S3_CONDITIONAL_PUT
AWS_S3_ALLOW_UNSAFE_RENAME GHINTEL_MAX_EVENT_BYTES GHINTEL_GHARCHIVE_START GHARCHIVE_DIR
GHINTEL_MALLOC_MMAP_THRESHOLD GHINTEL_MALLOC_ARENA_MAX
GHINTEL_API_KEYS
GHINTEL_API_RATE_LIMIT GHINTEL_API_QUERY_TIMEOUT_MS GHINTEL_API_REFRESH_MS GHINTEL_API_RESPONSE_CACHE_MB
GHINTEL_API_CACHE_MAX_AGE GHINTEL_API_MAX_CONCURRENT_QUERIES GHINTEL_API_MAX_CONCURRENT_PER_CLIENT
GHINTEL_API_AUTH_FAILURES GHINTEL_API_CURSOR_SECRET GHINTEL_API_MAX_HEADER_BYTES GHINTEL_API_HEADER_TIMEOUT_S
GHINTEL_API_KEEP_ALIVE_S GHINTEL_API_MAX_CONNECTIONS GITHUB_API_URL GITHUB_TOKEN GHINTEL_WATCH_REPOS
GHINTEL_WATCH_ORGS GHINTEL_LIVE_DEDUP_IDS GHINTEL_LIVE_MAX_PAGES GHINTEL_LIVE_MAX_ATTEMPTS
GHINTEL_LIVE_BACKOFF_S GHARCHIVE_BASE_URL GHARCHIVE_HTTP_TIMEOUT_S GHINTEL_DELIVERY_TIMEOUT_S
GHINTEL_PRODUCER_RETRIES GHINTEL_PRODUCER_WORKERS GHINTEL_PRODUCER_COMPRESSION KAFKA_BOOTSTRAP_SERVERS
GHINTEL_TOPIC GHINTEL_PARTITIONS GHINTEL_KAFKA_PORT GHINTEL_CLEAN_TOPIC GHINTEL_QUARANTINE_TOPIC
GHINTEL_ANOMALIES_TOPIC GHINTEL_TOPICS_PARTITIONS GHINTEL_TOPICS_RETENTION_MS GHINTEL_TOPICS_PUBLISH
GHINTEL_STREAM_MAX_CLIENTS GHINTEL_STREAM_CLIENT_BUFFER GHINTEL_STREAM_HEARTBEAT_S
GHINTEL_API_EVENT_FILE_CACHE_MB GHINTEL_API_THREADS
""".split()


def other_value(default: object, annotation: object) -> tuple[str, object]:
    """An environment string valid for the field and different from its default, and its parsed value."""
    if isinstance(default, bool) or annotation is bool:
        return str(not default).lower(), not default
    if isinstance(default, int):
        return str(default + 1), default + 1
    if isinstance(default, float):
        return str(default * 2), default * 2
    if isinstance(default, Path):
        return "elsewhere", Path("elsewhere")
    return "set-by-test", "set-by-test"


@pytest.mark.parametrize("name", RELEASED_NAMES)
def test_a_released_variable_still_sets_its_setting(name, monkeypatch):
    field = Settings.model_fields.get(name.lower())
    assert field is not None, f"{name} is no longer a setting"
    raw, expected = other_value(field.default, field.annotation)
    monkeypatch.setenv(name, raw)
    assert getattr(Settings(), name.lower()) == expected
    assert field.description, f"{name} has no description (README's table is written from them)"


def test_every_setting_is_released_or_new_on_purpose():
    """A new setting is added to RELEASED_NAMES; a name missing from the settings was renamed."""
    assert {n.upper() for n in Settings.model_fields} == set(RELEASED_NAMES)


def test_each_slice_reads_its_own_variables(monkeypatch):
    monkeypatch.setenv("GHINTEL_TOPIC", "raw-x")
    monkeypatch.setenv("ghintel_lake_root", "s3://bucket/lake")  # names are case-insensitive
    monkeypatch.setenv("GITHUB_TOKEN", "t")
    monkeypatch.setenv("GHINTEL_API_PORT", "8123")
    assert BrokerSettings().ghintel_topic == "raw-x"
    assert LakeSettings().lake_root == "s3://bucket/lake"
    assert PollerSettings().github_token == "t"
    assert PlatformSettings().ghintel_api_port == 8123
    monkeypatch.setenv("GHINTEL_PARTITIONS", "0")
    with pytest.raises(ValueError, match="greater than or equal to 1"):
        BrokerSettings()
