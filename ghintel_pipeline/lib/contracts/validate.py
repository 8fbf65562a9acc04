"""Raw bytes in, enriched events or quarantine records out.

Fast path: one msgspec decode of the envelope (payload kept as raw text), one of the payload with
its type's lean struct, then ``build_event``. Anything that path rejects goes to the slow path,
which checks the rules one by one, in the order of the reason codes below, and names the first
broken one. If the slow path finds nothing wrong (the two JSON parsers differ on some corner of
the grammar), its pydantic result is the event: the lean pydantic models are the contract.
"""

from __future__ import annotations

import codecs
import gc
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import msgspec
import pydantic_core
from pydantic import ValidationError

from ghintel_pipeline.lib.contracts.canonical import EnrichedGitHubEventV1, build_event
from ghintel_pipeline.lib.contracts.lean import (
    ENVELOPE_DECODER,
    PAYLOAD_DECODERS,
    PAYLOAD_ONLY_DECODER,
    UNKNOWN_PAYLOAD_DECODER,
    LeanEnvelope,
    lean_payload_model,
)
from ghintel_pipeline.lib.contracts.quarantine import ContractViolation, QuarantineRecord
from ghintel_pipeline.lib.contracts.timeline import normalize_timeline

DEFAULT_MAX_BYTES = 1_048_576
# RecursionError: msgspec's answer to JSON nested deeper than its limit.
FAST_PATH_ERRORS = (
    msgspec.ValidationError,
    msgspec.DecodeError,
    UnicodeDecodeError,
    ContractViolation,
    RecursionError,
)
_MESSAGE_LIMIT = 300
_utf8_decode = codecs.utf_8_decode  # a third faster than str(raw, "utf-8") on msgspec.Raw


@dataclass
class BatchResult:
    events: list[EnrichedGitHubEventV1] = field(default_factory=list)
    event_index: list[int] = field(default_factory=list)  # index into the input of each event
    quarantined: list[tuple[int, QuarantineRecord]] = field(default_factory=list)


def as_bytes(raw: bytes | bytearray | memoryview | str | None) -> bytes:
    if raw is None:  # e.g. a Kafka tombstone: quarantined as empty input, not an exception
        return b""
    if isinstance(raw, str):
        return raw.encode("utf-8", "surrogatepass")
    if isinstance(raw, bytes | bytearray | memoryview):
        return bytes(raw)
    raise TypeError(f"raw must be bytes, not {type(raw).__name__}")


def decode_lean(raw: bytes) -> tuple[Any, Any]:
    """The msgspec envelope (payload as ``msgspec.Raw``) and lean payload struct of a record.
    Raises one of ``FAST_PATH_ERRORS`` when the record needs the slow path."""
    # msgspec checks UTF-8 only in the strings it decodes, not in the parts it skips.
    if not raw.isascii():
        raw.decode("utf-8")
    env = ENVELOPE_DECODER.decode(raw)
    return env, PAYLOAD_DECODERS.get(env.type, UNKNOWN_PAYLOAD_DECODER).decode(env.payload)


def _fast(raw: bytes, source: str) -> EnrichedGitHubEventV1:
    env, payload = decode_lean(raw)
    return build_event(env, payload, _utf8_decode(env.payload, "strict", True)[0], source)


def validate_event(
    raw: bytes, *, source: str, max_bytes: int = DEFAULT_MAX_BYTES
) -> EnrichedGitHubEventV1 | QuarantineRecord:
    """One raw record -> the enriched event, or a quarantine record saying why not. Never raises."""
    if type(raw) is not bytes:
        raw = as_bytes(raw)
    if len(raw) <= max_bytes:
        try:
            return _fast(raw, source)
        except FAST_PATH_ERRORS:
            pass
    return slow_path(raw, source, max_bytes)


def validate_batch(
    raws: Sequence[bytes], *, source: str | Sequence[str], max_bytes: int = DEFAULT_MAX_BYTES
) -> BatchResult:
    """Validate many records; ``source`` is one value for all or one per record."""
    sources = per_record_sources(raws, source)
    result = BatchResult()
    with paused_gc():
        _validate_into(result, raws, source, sources, max_bytes)
    return result


def per_record_sources(raws: Sequence, source: str | Sequence[str]) -> Sequence[str] | None:
    """None when ``source`` is one value for all records, else the checked per-record list."""
    if isinstance(source, str):
        return None
    if len(source) != len(raws):
        raise ValueError(f"{len(source)} sources for {len(raws)} records")
    return source


@contextmanager
def paused_gc() -> Iterator[None]:
    """A batch allocates millions of small acyclic objects; the cyclic collector would rescan the
    growing result over and over (measured: half the run time). Reference counting frees them."""
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if gc_was_enabled:
            gc.enable()


def _validate_into(
    result: BatchResult, raws: Sequence[bytes], source: str, sources: Sequence[str] | None, max_bytes: int
) -> None:
    events, event_index, quarantined = result.events, result.event_index, result.quarantined
    for i, raw in enumerate(raws):
        src = source if sources is None else sources[i]
        if type(raw) is not bytes:
            raw = as_bytes(raw)
        outcome = None
        if len(raw) <= max_bytes:
            try:
                outcome = _fast(raw, src)
            except FAST_PATH_ERRORS:
                pass
        if outcome is None:
            outcome = slow_path(raw, src, max_bytes)
        if type(outcome) is QuarantineRecord:
            quarantined.append((i, outcome))
        else:
            events.append(outcome)
            event_index.append(i)


# --- slow path ------------------------------------------------------------------------------------


def _short(text: str) -> str:
    return text if len(text) <= _MESSAGE_LIMIT else text[: _MESSAGE_LIMIT - 3] + "..."


def _quarantine(raw: bytes, reason: str, message: str) -> QuarantineRecord:
    return QuarantineRecord(raw=raw, reason=reason, message=_short(message))


def is_legacy_timeline(obj: dict) -> bool:
    """The 2011-2014 Timeline format: no event ``id``, plus one of its marks.

    Marks: ``repository`` instead of ``repo``, ``actor_attributes``, the actor as a login string,
    or a top-level ``url`` (the only mark left on anonymous gist events, whose actor is null).
    """
    return "id" not in obj and (
        "repository" in obj or "actor_attributes" in obj or "url" in obj or isinstance(obj.get("actor"), str)
    )


def _from_validation_error(raw: bytes, error: ValidationError, prefix: tuple = ()) -> QuarantineRecord:
    first = error.errors(include_url=False)[0]
    kind = first["type"]
    loc = ".".join(str(part) for part in (*prefix, *first["loc"])) or "$"
    if kind == "json_invalid":
        return _quarantine(raw, "malformed_json", first["msg"])
    reason = "missing_field" if kind == "missing" else "wrong_type"
    return _quarantine(raw, reason, f"{loc}: {first['msg']}")


def _payload_text(raw: bytes, payload: object) -> str:
    # Prefer the original text of the payload; re-serialise only when msgspec cannot read the bytes.
    try:
        payload_raw = PAYLOAD_ONLY_DECODER.decode(raw).payload
        if len(payload_raw):
            return str(payload_raw, "utf-8")
    except (msgspec.DecodeError, msgspec.ValidationError, UnicodeDecodeError):
        pass
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def slow_path(raw: bytes, source: str, max_bytes: int) -> EnrichedGitHubEventV1 | QuarantineRecord:
    try:
        return _classify(raw, source, max_bytes)
    except Exception as exc:  # the contract never raises on content; nothing known gets here
        return _quarantine(raw, "malformed_json", f"unreadable record: {type(exc).__name__}: {exc}")


def _classify(raw: bytes, source: str, max_bytes: int) -> EnrichedGitHubEventV1 | QuarantineRecord:
    if len(raw) > max_bytes:
        return _quarantine(raw, "oversized", f"{len(raw)} bytes > limit of {max_bytes}")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return _quarantine(raw, "non_utf8", f"invalid UTF-8 at byte {exc.start}: {exc.reason}")
    try:
        # pydantic's parser, as used for the models below; keeps big integers exact.
        obj = pydantic_core.from_json(raw, allow_inf_nan=False)
    except ValueError as exc:
        return _quarantine(raw, "malformed_json", str(exc) if raw.strip() else "empty input")
    if not isinstance(obj, dict):
        return _quarantine(
            raw, "not_an_object", f"top-level JSON value is {type(obj).__name__}, not an object"
        )
    if is_legacy_timeline(obj):
        try:
            obj = normalize_timeline(obj)
        except ContractViolation as exc:
            return _quarantine(raw, exc.reason, exc.message)
    try:
        env = LeanEnvelope.model_validate(obj)
    except ValidationError as exc:
        return _from_validation_error(raw, exc)
    try:
        payload = lean_payload_model(env.type).model_validate(env.payload)
    except ValidationError as exc:
        return _from_validation_error(raw, exc, prefix=("payload",))
    try:
        return build_event(env, payload, _payload_text(raw, env.payload), source)
    except ContractViolation as exc:
        return _quarantine(raw, exc.reason, exc.message)
