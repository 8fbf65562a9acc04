"""GitHub REST events endpoints -> raw event bytes: the live source of ghintel."""

from ghintel_pipeline.lib.github_api.client import (
    ApiResponse,
    EventsApiClient,
    GitHubApiError,
    GitHubUnreachable,
    RateLimit,
)
from ghintel_pipeline.lib.github_api.dedup import SeenIds
from ghintel_pipeline.lib.github_api.poller import (
    Endpoint,
    EndpointPoll,
    EventsPoller,
    PollResult,
    RunSummary,
    Sink,
    build_endpoints,
)
from ghintel_pipeline.lib.github_api.status import (
    build_live_status,
    live_status_file,
    load_poller_state,
    read_live_status,
    save_poller_state,
    write_live_status,
)

__all__ = [
    "ApiResponse",
    "Endpoint",
    "EndpointPoll",
    "EventsApiClient",
    "EventsPoller",
    "GitHubApiError",
    "GitHubUnreachable",
    "PollResult",
    "RateLimit",
    "RunSummary",
    "SeenIds",
    "Sink",
    "build_endpoints",
    "build_live_status",
    "live_status_file",
    "load_poller_state",
    "read_live_status",
    "save_poller_state",
    "write_live_status",
]
