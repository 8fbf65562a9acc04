"""Run the whole platform locally: broker, producer, Dagster webserver + daemon, API (``ghintel up``)."""

from ghintel_pipeline.lib.platform.control import PlatformError, PlatformHandle, start_platform, stop_platform
from ghintel_pipeline.lib.platform.services import ALL_SERVICES, build_services, parse_services, producer_argv
from ghintel_pipeline.lib.platform.state import PlatformState, read_state
from ghintel_pipeline.lib.platform.status import platform_status
from ghintel_pipeline.lib.platform.supervisor import AlreadyRunning, Supervisor

__all__ = [
    "ALL_SERVICES",
    "AlreadyRunning",
    "PlatformError",
    "PlatformHandle",
    "PlatformState",
    "Supervisor",
    "build_services",
    "parse_services",
    "platform_status",
    "producer_argv",
    "read_state",
    "start_platform",
    "stop_platform",
]
