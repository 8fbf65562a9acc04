"""What the contract does with input it cannot accept: a quarantine record with a reason code.

Invalid input is never dropped: every raw record that does not become an event becomes exactly one
``QuarantineRecord`` that keeps the original bytes, so it can be inspected and replayed later.
"""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict

QuarantineReason = Literal[
    "malformed_json",
    "non_utf8",
    "missing_field",
    "wrong_type",
    "oversized",
    "legacy_timeline_format",
    "not_an_object",
]
REASONS: tuple[str, ...] = get_args(QuarantineReason)


class QuarantineRecord(BaseModel):
    """One rejected raw record: the bytes as received, a reason code and a short explanation."""

    # base64 keeps non-UTF-8 input serialisable as JSON.
    model_config = ConfigDict(ser_json_bytes="base64", val_json_bytes="base64", frozen=True)

    raw: bytes
    reason: QuarantineReason
    message: str


class ContractViolation(ValueError):
    """Raised inside the contract when a record breaks a rule; turned into a QuarantineRecord."""

    def __init__(self, reason: QuarantineReason, message: str):
        super().__init__(message)
        self.reason = reason
        self.message = message
