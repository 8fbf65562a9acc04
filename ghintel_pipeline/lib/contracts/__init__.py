"""The data contract of ghintel: raw GitHub event bytes -> validated, enriched silver events.

See docs/contract.md. Other parts import from here, not from the modules below.
"""

from ghintel_pipeline.lib.contracts.arrow import SILVER_EVENT_SCHEMA, events_to_arrow
from ghintel_pipeline.lib.contracts.canonical import (
    CATEGORY_BY_TYPE,
    KNOWN_BOT_LOGINS,
    SCHEMA_VERSION,
    CanonicalGitHubEvent,
    EnrichedGitHubEventV1,
    category_of,
    is_bot_login,
)
from ghintel_pipeline.lib.contracts.columnar import TableResult, validate_to_arrow
from ghintel_pipeline.lib.contracts.envelope import GitHubEvent, parse_github_event
from ghintel_pipeline.lib.contracts.payloads import PAYLOAD_MODELS, payload_model_for
from ghintel_pipeline.lib.contracts.quarantine import REASONS, QuarantineReason, QuarantineRecord
from ghintel_pipeline.lib.contracts.validate import (
    DEFAULT_MAX_BYTES,
    BatchResult,
    is_legacy_timeline,
    validate_batch,
    validate_event,
)

__all__ = [
    "CATEGORY_BY_TYPE",
    "DEFAULT_MAX_BYTES",
    "KNOWN_BOT_LOGINS",
    "PAYLOAD_MODELS",
    "REASONS",
    "SCHEMA_VERSION",
    "SILVER_EVENT_SCHEMA",
    "TableResult",
    "BatchResult",
    "CanonicalGitHubEvent",
    "EnrichedGitHubEventV1",
    "GitHubEvent",
    "QuarantineReason",
    "QuarantineRecord",
    "category_of",
    "events_to_arrow",
    "is_bot_login",
    "is_legacy_timeline",
    "parse_github_event",
    "payload_model_for",
    "validate_batch",
    "validate_event",
    "validate_to_arrow",
]
