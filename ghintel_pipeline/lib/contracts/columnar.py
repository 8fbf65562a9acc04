"""Raw bytes straight into silver's Arrow columns: the batch fast path of the contract.

``validate_batch`` builds one ``EnrichedGitHubEventV1`` per event; this path builds none. Each
record is decoded with the same msgspec structs (lib/contracts/lean.py) and checked by the same
functions; its values go into one tuple per event, and the columns come from transposing those
tuples in C. What is derived from repeated text (the time parts of ``created_at``, the category,
the bot flag) is computed once per distinct value and spread with ``take``. ``payload_json`` is the
payload's original bytes, copied once into the Arrow buffer (``msgspec.Raw``, never re-encoded).
A record this path rejects goes through the slow path of validate.py unchanged, so the events and
quarantine records are those of ``validate_batch`` (tests compare both row for row).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from ghintel_pipeline.lib.contracts.arrow import SILVER_EVENT_SCHEMA, events_to_arrow
from ghintel_pipeline.lib.contracts.canonical import (
    CATEGORY_BY_TYPE,
    PAYLOAD_FIELDS,
    SCHEMA_VERSION,
    ContractViolation,
    event_id_text,
    is_bot_cached,
    payload_values,
    time_parts,
)
from ghintel_pipeline.lib.contracts.quarantine import QuarantineRecord
from ghintel_pipeline.lib.contracts.validate import (
    DEFAULT_MAX_BYTES,
    FAST_PATH_ERRORS,
    as_bytes,
    decode_lean,
    paused_gc,
    per_record_sources,
    slow_path,
)

# The order of the values in one event's tuple: envelope fields, then the payload fields.
_ROW_FIELDS = (
    "event_id",
    "event_type",
    "actor_id",
    "actor_login",
    "repo_id",
    "repo_name",
    "org_id",
    "org_login",
    "is_public",
    "source",
    *PAYLOAD_FIELDS,
)
_TIME_FIELDS = ("created_at", "event_hour", "event_date", "hour_of_day", "day_of_week")
_TYPE = {f.name: f.type for f in SILVER_EVENT_SCHEMA}
_INT32_MAX = 2**31 - 1


@dataclass
class TableResult:
    events: pa.Table  # SILVER_EVENT_SCHEMA, one row per accepted record, in input order
    event_index: list[int] = field(default_factory=list)  # index into the input of each row
    quarantined: list[tuple[int, QuarantineRecord]] = field(default_factory=list)


def validate_to_arrow(
    raws: Sequence[bytes], *, source: str | Sequence[str], max_bytes: int = DEFAULT_MAX_BYTES
) -> TableResult:
    """``validate_batch`` + ``events_to_arrow`` in one pass, without a Python object per event."""
    sources = per_record_sources(raws, source)
    with paused_gc():
        rows, created, payloads, index, rejected = _decode(raws, source, sources, max_bytes)
        table, bad = _to_table(rows, created, payloads)
        # Freed by reference counting while the collector is still off: alive at its return, the
        # batch's row tuples were all scanned by the collection the next allocation triggers.
        del rows, created, payloads
    if bad:
        keep = pa.array([i not in bad for i in range(len(index))])
        table = table.filter(keep)
        rejected = sorted([*rejected, *(index[i] for i in bad)])
        index = [i for n, i in enumerate(index) if n not in bad]
    return _with_slow_path(table, index, rejected, raws, source, sources, max_bytes)


def _decode(raws, source, sources, max_bytes):
    rows: list[tuple] = []
    created: list[str] = []
    payloads: list = []
    index: list[int] = []
    rejected: list[int] = []
    for i, raw in enumerate(raws):
        if type(raw) is not bytes:
            raw = as_bytes(raw)
        if len(raw) > max_bytes:
            rejected.append(i)
            continue
        try:
            env, payload = decode_lean(raw)
            actor, repo, org = env.actor, env.repo, env.org
            row = (
                event_id_text(env.id),
                env.type,
                actor.id,
                actor.login,
                repo.id,
                repo.name,
                None if org is None else org.id,
                None if org is None else org.login,
                env.public,
                source if sources is None else sources[i],
                *payload_values(env.type, payload),
            )
        except FAST_PATH_ERRORS:
            rejected.append(i)
            continue
        rows.append(row)
        created.append(env.created_at)
        payloads.append(env.payload)
        index.append(i)
    return rows, created, payloads, index, rejected


def _to_table(rows: list[tuple], created: list[str], payloads: list) -> tuple[pa.Table, set[int]]:
    """The silver table of the fast rows, and the positions whose ``created_at`` does not parse."""
    n = len(rows)
    if not n:
        return SILVER_EVENT_SCHEMA.empty_table(), set()
    columns: dict[str, pa.Array] = {
        name: pa.array(values, _TYPE[name])
        for name, values in zip(_ROW_FIELDS, zip(*rows, strict=True), strict=True)
    }
    times, bad = _time_columns(pa.array(created, pa.string()))
    columns.update(times)
    columns["category"] = _per_distinct(
        columns["event_type"], lambda t: CATEGORY_BY_TYPE.get(t, "other"), pa.string()
    )
    columns["is_bot"] = _per_distinct(columns["actor_login"], is_bot_cached, pa.bool_())
    # partition("/")[0]: the text before the first "/", or all of it.
    columns["repo_owner"] = pc.list_element(pc.split_pattern(columns["repo_name"], "/", max_splits=1), 0)
    columns["schema_version"] = pa.array(itertools.repeat(SCHEMA_VERSION, n), pa.int32(), size=n)
    columns["payload_json"] = _text_array(payloads)
    return pa.Table.from_arrays(
        [columns[name] for name in SILVER_EVENT_SCHEMA.names], schema=SILVER_EVENT_SCHEMA
    ), bad


def _time_columns(created: pa.Array) -> tuple[dict[str, pa.Array], set[int]]:
    encoded = pc.dictionary_encode(created)
    parts: list[tuple | None] = []
    broken: list[int] = []
    for position, text in enumerate(encoded.dictionary.to_pylist()):
        try:
            parts.append(time_parts(text))
        except ContractViolation:
            parts.append(None)
            broken.append(position)
    bad: set[int] = set()
    if broken:
        hit = pc.is_in(encoded.indices, value_set=pa.array(broken, encoded.indices.type))
        bad = set(pc.indices_nonzero(hit).to_pylist())
    columns = {}
    for k, name in enumerate(_TIME_FIELDS):
        distinct = pa.array([None if p is None else p[k] for p in parts], _TYPE[name])
        columns[name] = distinct.take(encoded.indices)
    return columns, bad


def _per_distinct(values: pa.Array, fn: Callable, type_: pa.DataType) -> pa.Array:
    encoded = pc.dictionary_encode(values)
    return pa.array([fn(v) for v in encoded.dictionary.to_pylist()], type_).take(encoded.indices)


def _text_array(parts: list) -> pa.Array | pa.ChunkedArray:
    """A string array over the UTF-8 buffers ``parts`` (checked by the decoder): one copy.
    Past 2 GiB (a string array's int32 offsets) it becomes a chunked array."""
    chunks, start, size = [], 0, 0
    for end, part in enumerate(parts):
        if size + len(part) > _INT32_MAX:
            chunks.append(_string_chunk(parts[start:end]))
            start, size = end, 0
        size += len(part)
    if not chunks:
        return _string_chunk(parts)
    chunks.append(_string_chunk(parts[start:]))
    return pa.chunked_array(chunks, pa.string())


def _string_chunk(parts: list) -> pa.Array:
    offsets = pa.array(itertools.accumulate(map(len, parts), initial=0), pa.int32())
    return pa.Array.from_buffers(
        pa.string(), len(parts), [None, offsets.buffers()[1], pa.py_buffer(b"".join(parts))]
    )


def _with_slow_path(table, index, rejected, raws, source, sources, max_bytes) -> TableResult:
    result = TableResult(table, index)
    slow_events, slow_index = [], []
    for i in rejected:
        raw = raws[i]
        outcome = slow_path(
            raw if type(raw) is bytes else as_bytes(raw), source if sources is None else sources[i], max_bytes
        )
        if type(outcome) is QuarantineRecord:
            result.quarantined.append((i, outcome))
        else:
            slow_events.append(outcome)
            slow_index.append(i)
    if slow_events:
        merged = pa.concat_tables([table, events_to_arrow(slow_events)])
        order = sorted(range(merged.num_rows), key=[*index, *slow_index].__getitem__)
        result.events = merged.take(pa.array(order, pa.int64()))
        result.event_index = sorted([*index, *slow_index])
    return result
