"""Configuration for every ghintel component, read from the environment (pydantic-settings).

Every field maps to an environment variable of the same name in upper case; defaults run the
platform on a laptop with the embedded broker and a local lake under ``GHINTEL_HOME``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", extra="ignore", case_sensitive=False)

    ghintel_home: Path = Field(default=Path(".ghintel"), description="Where all local state lives.")
    kafka_bootstrap_servers: str | None = Field(
        default=None, description="External Kafka cluster; unset means the embedded broker."
    )
    ghintel_topic: str = Field(default="github_raw_events", description="Topic of raw events.")
    ghintel_partitions: int = Field(default=3, ge=1, description="Partitions of the raw topic.")
    ghintel_kafka_port: int = Field(default=9092, description="Port of the embedded broker.")
    ghintel_lake_root: str | None = Field(
        default=None, description="Lake root: a folder or s3:// URI (default $GHINTEL_HOME/lakehouse)."
    )
    ghintel_max_event_bytes: int = Field(
        default=1_048_576, description="Events larger than this are quarantined as oversized."
    )
    gharchive_base_url: str = Field(
        default="https://data.gharchive.org", description="Where GH Archive hour files are fetched."
    )
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

    @property
    def home(self) -> Path:
        return self.ghintel_home.expanduser().resolve()

    @property
    def lake_root(self) -> str:
        return self.ghintel_lake_root or str(self.home / "lakehouse")


@lru_cache
def get_settings() -> Settings:
    return Settings()
