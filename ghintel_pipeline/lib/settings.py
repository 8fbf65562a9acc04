"""Configuration of every ghintel component, read from the environment (pydantic-settings).

Each component has its own slice (``BrokerSettings``, ``LakeSettings``, ...), built where it is used;
``Settings`` is their union for commands that span components. A field's name is its environment
variable (case-insensitive), so the variable names stay those documented in README's table; a new
setting is one field in the slice of its component. Defaults run the platform on a laptop with the
embedded broker and a local lake under ``GHINTEL_HOME``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class HomeSettings(BaseSettings):
    """Where local state lives; every slice has it."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", case_sensitive=False)

    ghintel_home: Path = Field(default=Path(".ghintel"), description="Where all local state lives.")

    @property
    def home(self) -> Path:
        return self.ghintel_home.expanduser().resolve()


class BrokerSettings(HomeSettings):
    """Kafka: the embedded broker or an external cluster, and the raw topic."""

    kafka_bootstrap_servers: str | None = Field(
        default=None, description="External Kafka cluster; unset means the embedded broker."
    )
    ghintel_topic: str = Field(default="github_raw_events", description="Topic of raw events.")
    ghintel_partitions: int = Field(default=3, ge=1, description="Partitions of the raw topic.")
    ghintel_kafka_port: int = Field(default=9092, description="Port of the embedded broker.")


class LakeSettings(HomeSettings):
    """The Delta lakehouse: where it lives (folder or S3), ingest limits, GH Archive backfills."""

    ghintel_lake_root: str | None = Field(
        default=None, description="Lake root: a folder or s3:// URI (default $GHINTEL_HOME/lakehouse)."
    )
    ghintel_s3_endpoint_url: str | None = Field(
        default=None, description="S3-compatible endpoint for an s3:// lake (MinIO, moto); unset = AWS."
    )
    aws_access_key_id: str | None = Field(default=None, description="S3 access key for an s3:// lake.")
    aws_secret_access_key: str | None = Field(default=None, description="S3 secret key for an s3:// lake.")
    aws_region: str | None = Field(default=None, description="S3 region for an s3:// lake.")
    ghintel_s3_allow_http: bool = Field(default=False, description="Allow a plain-http S3 endpoint.")
    ghintel_s3_conditional_put: str | None = Field(
        default=None, description="delta-rs `conditional_put` for S3-compatible stores ('etag' for MinIO/R2)."
    )
    aws_s3_allow_unsafe_rename: bool = Field(
        default=False, description="Let delta-rs commit to S3 without conditional puts (one writer only)."
    )
    ghintel_max_event_bytes: int = Field(
        default=1_048_576, description="Events larger than this are quarantined as oversized."
    )
    ghintel_gharchive_start: str = Field(
        default="2011-02-12-00",
        description="First hour (YYYY-MM-DD-HH) of the GH Archive backfill partitions.",
    )
    gharchive_dir: str | None = Field(
        default=None, description="Local folder of GH Archive hour files used by backfills instead of HTTP."
    )

    @property
    def lake_root(self) -> str:
        return self.ghintel_lake_root or str(self.home / "lakehouse")


class ProducerSettings(HomeSettings):
    """Producers into Kafka: GH Archive downloads and the Kafka producer's delivery."""

    gharchive_base_url: str = Field(
        default="https://data.gharchive.org", description="Where GH Archive hour files are fetched."
    )
    gharchive_http_timeout_s: float = Field(
        default=60.0, gt=0, description="Connect/read timeout of GH Archive downloads (per chunk)."
    )
    ghintel_delivery_timeout_s: float = Field(
        default=60.0, gt=0, description="Producer: give up on a record not acknowledged within this."
    )
    ghintel_producer_retries: int = Field(default=5, ge=1, description="Producer: retries per batch.")
    ghintel_producer_workers: int = Field(
        default=1, ge=1, description="Producer processes for `produce gharchive` (>1: ParallelProducer)."
    )
    ghintel_producer_compression: str | None = Field(
        default=None, description="Producer compression: unset (none) or gzip."
    )


class PollerSettings(HomeSettings):
    """The live Events API poller."""

    github_api_url: str = Field(default="https://api.github.com", description="GitHub REST API base.")
    github_token: str | None = Field(default=None, description="Optional token (5000 req/h).")
    ghintel_watch_repos: str = Field(
        default="", description="Comma-separated owner/repo list polled besides /events."
    )
    ghintel_watch_orgs: str = Field(default="", description="Comma-separated orgs polled besides /events.")
    ghintel_live_dedup_ids: int = Field(
        default=50_000, ge=300, description="Event ids the live poller remembers for dedup (LRU bound)."
    )
    ghintel_live_max_pages: int = Field(
        default=3, ge=1, le=10, description="Pages of 100 events fetched per endpoint and poll."
    )
    ghintel_live_max_attempts: int = Field(
        default=4, ge=1, description="Attempts per API request on 5xx, network errors and rate limits."
    )
    ghintel_live_backoff_s: float = Field(
        default=1.0, gt=0, description="First wait of the live poller's exponential backoff (doubles)."
    )


class ApiSettings(LakeSettings):
    """The HTTP API over the lake."""

    ghintel_api_keys: str = Field(
        default="", description="Comma-separated API keys; set means every data route needs X-API-Key."
    )
    ghintel_api_rate_limit: str = Field(
        default="600/minute", description="Per key (or client IP) token bucket, e.g. 120/minute; 0 = off."
    )
    ghintel_api_query_timeout_ms: int = Field(
        default=5000, ge=10, description="A DuckDB query running longer is interrupted (503)."
    )
    ghintel_api_refresh_ms: int = Field(
        default=1000, ge=0, description="At most this often the API checks the lake for new Delta versions."
    )
    ghintel_api_response_cache_mb: int = Field(
        default=64, ge=0, description="In-process cache of API answers keyed by table versions; 0 = off."
    )
    ghintel_api_event_file_cache_mb: int = Field(
        default=256,
        ge=0,
        description="Decoded silver files kept in memory for /events pages (newest stay hot); 0 = off.",
    )
    ghintel_api_cache_max_age: int = Field(
        default=5, ge=0, description="Cache-Control max-age (seconds) of data responses."
    )
    # API under load and abuse: bounded work, throttled key guessing, signed cursors, server limits
    ghintel_api_max_concurrent_queries: int = Field(
        default=0,
        ge=0,
        description="Expensive API queries running at once (more: 503 at once); 0 = one per core.",
    )
    ghintel_api_max_concurrent_per_client: int = Field(
        default=0,
        ge=0,
        description="Expensive API queries per key or client IP (more: 429); 0 = half the global cap.",
    )
    ghintel_api_auth_failures: int = Field(
        default=10, ge=1, description="Wrong API keys an address may send before 429 with doubling back-off."
    )
    ghintel_api_cursor_secret: str = Field(
        default="",
        description="HMAC key of /events cursors; empty = random key in $GHINTEL_HOME/api/cursor.key.",
    )
    ghintel_api_max_header_bytes: int = Field(
        default=16384,
        ge=1024,
        description="Largest request head (request line + headers) the API reads (400).",
    )
    ghintel_api_header_timeout_s: float = Field(
        default=10.0,
        gt=0,
        description="Seconds a connection has to send a complete request head, then closed.",
    )
    ghintel_api_keep_alive_s: float = Field(
        default=5.0, gt=0, description="Idle keep-alive connections of the API are closed after this."
    )
    ghintel_api_max_connections: int = Field(
        default=1024,
        ge=1,
        description="Open connections + requests of the API server (uvicorn limit_concurrency).",
    )


class PlatformSettings(HomeSettings):
    """`ghintel up` (supervisor) and the Dagster code location and instance."""

    ghintel_host: str = Field(
        default="127.0.0.1", description="Interface the Dagster UI and the API bind to."
    )
    ghintel_dagster_port: int = Field(default=3000, description="Port of the Dagster webserver.")
    ghintel_api_port: int = Field(default=8000, description="Port of the HTTP API.")
    ghintel_source: str = Field(
        default="live",
        description="Producer of `ghintel up`: `live` (Events API) or `gharchive:<files|hours|range>`.",
    )
    ghintel_services: str = Field(
        default="producer,api,dagster-webserver,dagster-daemon",
        description="Comma-separated children `ghintel up` starts (besides the broker).",
    )
    ghintel_stop_timeout_s: float = Field(
        default=10.0,
        gt=0,
        description="Wait after SIGINT (then again half of it after SIGTERM) before SIGKILL.",
    )
    ghintel_start_timeout_s: float = Field(
        default=180.0, gt=0, description="How long `ghintel up` waits for the UI/API ports to answer."
    )
    # Operability: drain on stop, health thresholds (docs/operations.md)
    ghintel_drain_timeout_s: float = Field(
        default=300.0,
        gt=0,
        description="How long stopping the platform waits for `ghintel ingest` to drain the embedded broker.",
    )
    ghintel_health_max_lag: int = Field(
        default=50_000, ge=0, description="Kafka lag (records) above which `/health` says `degraded`."
    )
    ghintel_health_interval_s: float = Field(
        default=30.0,
        gt=0,
        description="How often the `ghintel up` console re-checks health to report changes.",
    )
    ghintel_sensor_interval_s: int = Field(
        default=60, ge=5, description="Minimum seconds between ticks of the Kafka ingest sensor."
    )
    ghintel_dagster_pg_url: str | None = Field(
        default=None, description="Postgres URL for Dagster's run/event storage (default: sqlite)."
    )


class ChecksSettings(HomeSettings):
    """Asset checks on silver."""

    ghintel_max_quarantine_share: float = Field(
        default=0.05, ge=0, le=1, description="Asset check: highest tolerated quarantined share of a day."
    )
    ghintel_freshness_minutes: int = Field(
        default=60, ge=1, description="Asset check: newest silver ingested_at must be younger than this."
    )
    ghintel_future_skew_minutes: int = Field(
        default=10, ge=0, description="Asset check: tolerated clock skew for created_at in the future."
    )


class ReportSettings(HomeSettings):
    """Scheduled anomaly reports (lib/reports, defs/reports)."""

    ghintel_report_cron: str = Field(
        default="5 * * * *", description="Cron (UTC) of anomaly_report_schedule."
    )
    ghintel_report_top_n: int = Field(
        default=10, ge=1, le=100, description="Anomalies and trending repos (per window) listed in a report."
    )
    ghintel_report_lookback_hours: int = Field(
        default=24, ge=1, description="Report anomalies of this many hours up to the lake's newest hour."
    )
    ghintel_report_coverage_hours: int = Field(
        default=168, ge=1, description="Hours of data coverage a report charts."
    )
    ghintel_report_keep: int = Field(
        default=168, ge=0, description="Timestamped report folders kept under $GHINTEL_HOME/reports; 0 = all."
    )
    # RAG and grounded answers (ghintel_agents/core, /search, /ask, `ghintel ask`)
    ghintel_api_url: str | None = Field(
        default=None, description="API the agents and `ghintel ask` call; unset = the app in-process."
    )
    ghintel_llm_base_url: str | None = Field(
        default=None, description="OpenAI-compatible chat endpoint (e.g. http://127.0.0.1:11434/v1)."
    )
    ghintel_llm_model: str | None = Field(
        default=None, description="Chat model name; unset (or no base URL) = deterministic answers."
    )
    ghintel_llm_api_key: str | None = Field(default=None, description="API key of the chat endpoint.")
    ghintel_embed_base_url: str | None = Field(
        default=None, description="OpenAI-compatible embeddings endpoint; unset = wordllama offline."
    )
    ghintel_embed_model: str = Field(
        default="wordllama-l2-256", description="Embedding model name (sent to the endpoint when set)."
    )
    ghintel_embed_api_key: str | None = Field(default=None, description="API key of the embeddings endpoint.")


class AgentSettings(HomeSettings):
    """Agents (ghintel_agents): the monitor sensor, the digest schedule, the webhook."""

    ghintel_agent_webhook_url: str | None = Field(
        default=None, description="If set, each new anomaly investigation is POSTed here as JSON."
    )
    ghintel_monitor_interval_s: int = Field(
        default=60, ge=5, description="Minimum seconds between ticks of the anomaly monitor sensor."
    )
    ghintel_monitor_max_per_run: int = Field(
        default=10, ge=1, le=500, description="New anomalies one monitor run investigates at most."
    )
    ghintel_digest_cron: str = Field(
        default="30 0 * * *", description="Cron (UTC) of agent_digest_schedule (the reporter agent)."
    )
    ghintel_digest_window: str = Field(
        default="24h", description="Window (1h, 24h, 7d, 30d) the scheduled digest covers."
    )


class TopicsSettings(BrokerSettings):
    """Subscriber topics (lib/topics): what the ingest publishes after silver/gold commits, and the
    API's live streams (ghintel_api/core/streams.py) that read them."""

    ghintel_clean_topic: str = Field(
        default="github_clean_events", description="Topic of validated events (EnrichedGitHubEventV1 JSON)."
    )
    ghintel_quarantine_topic: str = Field(
        default="github_quarantine_events", description="Topic of quarantined raw records with their reason."
    )
    ghintel_anomalies_topic: str = Field(
        default="github_anomalies", description="Topic of new gold anomaly rows."
    )
    ghintel_topics_partitions: int = Field(
        default=3, ge=1, description="Partitions of the clean, quarantine and anomalies topics."
    )
    ghintel_topics_retention_ms: int = Field(
        default=604_800_000, ge=-1, description="retention.ms of those topics when created (-1 = forever)."
    )
    ghintel_topics_publish: bool = Field(
        default=True, description="Publish silver/quarantine/anomaly rows to those topics after each commit."
    )
    ghintel_stream_max_clients: int = Field(
        default=100, ge=1, description="SSE connections the API serves at once (more get 503)."
    )
    ghintel_stream_client_buffer: int = Field(
        default=1000,
        ge=1,
        description="Messages queued per SSE client; a client falling behind is dropped.",
    )
    ghintel_stream_heartbeat_s: float = Field(
        default=15.0, gt=0, description="Seconds between SSE keep-alive comments on a quiet stream."
    )


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


@lru_cache
def get_settings() -> Settings:
    return Settings()
