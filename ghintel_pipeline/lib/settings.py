"""Configuration of every ghintel component, read from the environment (pydantic-settings).

Each component has its own slice (``BrokerSettings``, ``LakeSettings`` on ``S3Settings``, ...),
built where it is used; ``Settings`` is their union for commands that span components. A field's
name is its environment variable (case-insensitive), so the variable names stay those documented in
README's table; a new setting is one field in the slice of its component, its description the
docstring below it (``use_attribute_docstrings``). Defaults run the platform on a laptop with the
embedded broker and a local lake under ``GHINTEL_HOME``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class HomeSettings(BaseSettings):
    """Where local state lives; every slice has it."""

    model_config = SettingsConfigDict(
        env_prefix="", extra="ignore", case_sensitive=False, use_attribute_docstrings=True
    )

    ghintel_home: Path = Path(".ghintel")
    """Where all local state lives."""

    @property
    def home(self) -> Path:
        return self.ghintel_home.expanduser().resolve()


class BrokerSettings(HomeSettings):
    """Kafka: the embedded broker or an external cluster, and the raw topic."""

    kafka_bootstrap_servers: str | None = None
    """External Kafka cluster; unset means the embedded broker."""
    ghintel_topic: str = "github_raw_events"
    """Topic of raw events."""
    ghintel_partitions: int = Field(3, ge=1)
    """Partitions of the raw topic."""
    ghintel_kafka_port: int = 9092
    """Port of the embedded broker."""


class S3Settings(HomeSettings):
    """The object store of an s3:// lake: endpoint, credentials and delta-rs commit options (the
    ``storage_options`` every lake table is opened with)."""

    ghintel_s3_endpoint_url: str | None = None
    """S3-compatible endpoint for an s3:// lake (MinIO, moto); unset = AWS."""
    aws_access_key_id: str | None = None
    """S3 access key for an s3:// lake."""
    aws_secret_access_key: str | None = None
    """S3 secret key for an s3:// lake."""
    aws_region: str | None = None
    """S3 region for an s3:// lake."""
    ghintel_s3_allow_http: bool = False
    """Allow a plain-http S3 endpoint."""
    ghintel_s3_conditional_put: str | None = None
    """delta-rs `conditional_put` for S3-compatible stores ('etag' for MinIO/R2)."""
    aws_s3_allow_unsafe_rename: bool = False
    """Let delta-rs commit to S3 without conditional puts (one writer only)."""


class LakeSettings(S3Settings):
    """The Delta lakehouse: where it lives (folder or S3), ingest limits, GH Archive backfills."""

    ghintel_lake_root: str | None = None
    """Lake root: a folder or s3:// URI (default $GHINTEL_HOME/lakehouse)."""
    ghintel_max_event_bytes: int = 1_048_576
    """Events larger than this are quarantined as oversized."""
    ghintel_gharchive_start: str = "2011-02-12-00"
    """First hour (YYYY-MM-DD-HH) of the GH Archive backfill partitions."""
    gharchive_dir: str | None = None
    """Local folder of GH Archive hour files used by backfills instead of HTTP."""
    ghintel_malloc_mmap_threshold: int = Field(256 << 10, ge=0, le=32 << 20)
    """glibc only: bytes from which an allocation gets its own mapping, returned to the OS when
    freed (a fixed threshold; 0 leaves glibc's growing default). See lib/lake/memory.py."""
    ghintel_malloc_arena_max: int = Field(2, ge=0, le=64)
    """glibc only: most malloc arenas for the ingest's threads (0 leaves glibc's 8 per core)."""

    @property
    def lake_root(self) -> str:
        return self.ghintel_lake_root or str(self.home / "lakehouse")


class ProducerSettings(HomeSettings):
    """Producers into Kafka: GH Archive downloads and the Kafka producer's delivery."""

    gharchive_base_url: str = "https://data.gharchive.org"
    """Where GH Archive hour files are fetched."""
    gharchive_http_timeout_s: float = Field(60.0, gt=0)
    """Connect/read timeout of GH Archive downloads (per chunk)."""
    ghintel_delivery_timeout_s: float = Field(60.0, gt=0)
    """Producer: give up on a record not acknowledged within this."""
    ghintel_producer_retries: int = Field(5, ge=1)
    """Producer: retries per batch."""
    ghintel_producer_workers: int = Field(1, ge=1)
    """Producer processes for `produce gharchive` (>1: ParallelProducer)."""
    ghintel_producer_compression: str | None = None
    """Producer compression: unset (none) or gzip."""


class PollerSettings(HomeSettings):
    """The live Events API poller."""

    github_api_url: str = "https://api.github.com"
    """GitHub REST API base."""
    github_token: str | None = None
    """Optional token (5000 req/h)."""
    ghintel_watch_repos: str = ""
    """Comma-separated owner/repo list polled besides /events."""
    ghintel_watch_orgs: str = ""
    """Comma-separated orgs polled besides /events."""
    ghintel_live_dedup_ids: int = Field(50_000, ge=300)
    """Event ids the live poller remembers for dedup (LRU bound)."""
    ghintel_live_max_pages: int = Field(3, ge=1, le=10)
    """Pages of 100 events fetched per endpoint and poll."""
    ghintel_live_max_attempts: int = Field(4, ge=1)
    """Attempts per API request on 5xx, network errors and rate limits."""
    ghintel_live_backoff_s: float = Field(1.0, gt=0)
    """First wait of the live poller's exponential backoff (doubles)."""


class ApiSettings(LakeSettings):
    """The HTTP API over the lake."""

    ghintel_api_keys: str = ""
    """Comma-separated API keys; set means every data route needs X-API-Key."""
    ghintel_api_rate_limit: str = "600/minute"
    """Per key (or client IP) token bucket, e.g. 120/minute; 0 = off."""
    ghintel_api_query_timeout_ms: int = Field(5000, ge=10)
    """A DuckDB query running longer is interrupted (503)."""
    ghintel_api_refresh_ms: int = Field(1000, ge=0)
    """At most this often the API checks the lake for new Delta versions."""
    ghintel_api_response_cache_mb: int = Field(64, ge=0)
    """In-process cache of API answers keyed by table versions; 0 = off."""
    ghintel_api_event_file_cache_mb: int = Field(256, ge=0)
    """Decoded silver files kept in memory for /events pages (newest stay hot); 0 = off."""
    ghintel_api_cache_max_age: int = Field(5, ge=0)
    """Cache-Control max-age (seconds) of data responses."""
    ghintel_api_threads: int = Field(0, ge=0)
    """Threads running route code (queries) per API process; 0 = its share of the cores (cores /
    ``ghintel api --workers``, at least 1)."""
    # API under load and abuse: bounded work, throttled key guessing, signed cursors, server limits
    ghintel_api_max_concurrent_queries: int = Field(0, ge=0)
    """Expensive API queries running at once (more: 503 at once); 0 = one per core."""
    ghintel_api_max_concurrent_per_client: int = Field(0, ge=0)
    """Expensive API queries per key or client IP (more: 429); 0 = half the global cap."""
    ghintel_api_auth_failures: int = Field(10, ge=1)
    """Wrong API keys an address may send before 429 with doubling back-off."""
    ghintel_api_cursor_secret: str = ""
    """HMAC key of /events cursors; empty = random key in $GHINTEL_HOME/api/cursor.key."""
    ghintel_api_max_header_bytes: int = Field(16384, ge=1024)
    """Largest request head (request line + headers) the API reads (400)."""
    ghintel_api_header_timeout_s: float = Field(10.0, gt=0)
    """Seconds a connection has to send a complete request head, then closed."""
    ghintel_api_keep_alive_s: float = Field(5.0, gt=0)
    """Idle keep-alive connections of the API are closed after this."""
    ghintel_api_max_connections: int = Field(1024, ge=1)
    """Open connections + requests of the API server (uvicorn limit_concurrency)."""


class PlatformSettings(HomeSettings):
    """`ghintel up` (supervisor) and the Dagster code location and instance."""

    ghintel_host: str = "127.0.0.1"
    """Interface the Dagster UI and the API bind to."""
    ghintel_dagster_port: int = 3000
    """Port of the Dagster webserver."""
    ghintel_api_port: int = 8000
    """Port of the HTTP API."""
    ghintel_source: str = "live"
    """Producer of `ghintel up`: `live` (Events API) or `gharchive:<files|hours|range>`."""
    ghintel_services: str = "producer,api,dagster-webserver,dagster-daemon"
    """Comma-separated children `ghintel up` starts (besides the broker)."""
    ghintel_stop_timeout_s: float = Field(10.0, gt=0)
    """Wait after SIGINT (then again half of it after SIGTERM) before SIGKILL."""
    ghintel_start_timeout_s: float = Field(180.0, gt=0)
    """How long `ghintel up` waits for the UI/API ports to answer."""
    # Operability: drain on stop, health thresholds (docs/operations.md)
    ghintel_drain_timeout_s: float = Field(300.0, gt=0)
    """How long stopping the platform waits for `ghintel ingest` to drain the embedded broker."""
    ghintel_health_max_lag: int = Field(50_000, ge=0)
    """Kafka lag (records) above which `/health` says `degraded`."""
    ghintel_health_interval_s: float = Field(30.0, gt=0)
    """How often the `ghintel up` console re-checks health to report changes."""
    ghintel_sensor_interval_s: int = Field(60, ge=5)
    """Minimum seconds between ticks of the Kafka ingest sensor."""
    ghintel_dagster_pg_url: str | None = None
    """Postgres URL for Dagster's run/event storage (default: sqlite)."""


class ChecksSettings(HomeSettings):
    """Asset checks on silver."""

    ghintel_max_quarantine_share: float = Field(0.05, ge=0, le=1)
    """Asset check: highest tolerated quarantined share of a day."""
    ghintel_freshness_minutes: int = Field(60, ge=1)
    """Asset check: newest silver ingested_at must be younger than this."""
    ghintel_future_skew_minutes: int = Field(10, ge=0)
    """Asset check: tolerated clock skew for created_at in the future."""


class ReportSettings(HomeSettings):
    """Scheduled anomaly reports (lib/reports, defs/reports)."""

    ghintel_report_cron: str = "5 * * * *"
    """Cron (UTC) of anomaly_report_schedule."""
    ghintel_report_top_n: int = Field(10, ge=1, le=100)
    """Anomalies and trending repos (per window) listed in a report."""
    ghintel_report_lookback_hours: int = Field(24, ge=1)
    """Report anomalies of this many hours up to the lake's newest hour."""
    ghintel_report_coverage_hours: int = Field(168, ge=1)
    """Hours of data coverage a report charts."""
    ghintel_report_keep: int = Field(168, ge=0)
    """Timestamped report folders kept under $GHINTEL_HOME/reports; 0 = all."""
    # RAG and grounded answers (ghintel_agents/core, /search, /ask, `ghintel ask`)
    ghintel_api_url: str | None = None
    """API the agents and `ghintel ask` call; unset = the app in-process."""
    ghintel_llm_base_url: str | None = None
    """OpenAI-compatible chat endpoint (e.g. http://127.0.0.1:11434/v1)."""
    ghintel_llm_model: str | None = None
    """Chat model name; unset (or no base URL) = deterministic answers."""
    ghintel_llm_api_key: str | None = None
    """API key of the chat endpoint."""
    ghintel_embed_base_url: str | None = None
    """OpenAI-compatible embeddings endpoint; unset = wordllama offline."""
    ghintel_embed_model: str = "wordllama-l2-256"
    """Embedding model name (sent to the endpoint when set)."""
    ghintel_embed_api_key: str | None = None
    """API key of the embeddings endpoint."""


class AgentSettings(HomeSettings):
    """Agents (ghintel_agents): the monitor sensor, the digest schedule, the webhook."""

    ghintel_agent_webhook_url: str | None = None
    """If set, each new anomaly investigation is POSTed here as JSON."""
    ghintel_monitor_interval_s: int = Field(60, ge=5)
    """Minimum seconds between ticks of the anomaly monitor sensor."""
    ghintel_monitor_max_per_run: int = Field(10, ge=1, le=500)
    """New anomalies one monitor run investigates at most."""
    ghintel_digest_cron: str = "30 0 * * *"
    """Cron (UTC) of agent_digest_schedule (the reporter agent)."""
    ghintel_digest_window: str = "24h"
    """Window (1h, 24h, 7d, 30d) the scheduled digest covers."""


class TopicsSettings(BrokerSettings):
    """Subscriber topics (lib/topics): what the ingest publishes after silver/gold commits, and the
    API's live streams (ghintel_api/core/streams.py) that read them."""

    ghintel_clean_topic: str = "github_clean_events"
    """Topic of validated events (EnrichedGitHubEventV1 JSON)."""
    ghintel_quarantine_topic: str = "github_quarantine_events"
    """Topic of quarantined raw records with their reason."""
    ghintel_anomalies_topic: str = "github_anomalies"
    """Topic of new gold anomaly rows."""
    ghintel_topics_partitions: int = Field(3, ge=1)
    """Partitions of the clean, quarantine and anomalies topics."""
    ghintel_topics_retention_ms: int = Field(604_800_000, ge=-1)
    """retention.ms of those topics when created (-1 = forever)."""
    ghintel_topics_publish: bool = True
    """Publish silver/quarantine/anomaly rows to those topics after each commit."""
    ghintel_stream_max_clients: int = Field(100, ge=1)
    """SSE connections the API serves at once (more get 503)."""
    ghintel_stream_client_buffer: int = Field(1000, ge=1)
    """Messages queued per SSE client; a client falling behind is dropped."""
    ghintel_stream_heartbeat_s: float = Field(15.0, gt=0)
    """Seconds between SSE keep-alive comments on a quiet stream."""


class Settings(
    TopicsSettings,  # before BrokerSettings, its base
    BrokerSettings,
    ProducerSettings,
    PollerSettings,
    ApiSettings,
    PlatformSettings,
    ChecksSettings,
    ReportSettings,
    AgentSettings,
):
    """Every slice: for the CLI and the supervisor, which configure several components."""


def only_set(values: dict) -> dict:
    """``values`` without the unset ones (None, empty, false, zero): what an override or an option
    map passes on, so that an unset value falls back to its default."""
    return {key: value for key, value in values.items() if value}


@lru_cache
def get_settings() -> Settings:
    return Settings()
