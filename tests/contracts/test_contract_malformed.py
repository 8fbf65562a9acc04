"""Property tests: whatever the bytes, the contract answers with an event or the right reason."""

from __future__ import annotations

import copy
import gzip
import json
import os
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ghintel_pipeline.lib.contracts import (
    REASONS,
    EnrichedGitHubEventV1,
    QuarantineRecord,
    validate_batch,
    validate_event,
)
from ghintel_pipeline.lib.contracts.validate import _fast, slow_path
from tests.conftest import HOUR_1

FIXTURES = Path(__file__).parent / "fixtures"


def _bases() -> list[dict]:
    objs = [json.loads(p.read_bytes()) for p in sorted(FIXTURES.glob("*/*.json"))]
    with gzip.open(HOUR_1, "rb") as handle:
        for _, line in zip(range(150), handle, strict=False):
            objs.append(json.loads(line))
    return objs


BASES = _bases()
# CONTRACT_FUZZ_EXAMPLES raises the number of examples for a longer fuzzing run by hand.
PROPS = settings(
    max_examples=int(os.environ.get("CONTRACT_FUZZ_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
base_events = st.sampled_from(BASES).map(copy.deepcopy)

REQUIRED = [
    ("id",),
    ("type",),
    ("actor",),
    ("repo",),
    ("payload",),
    ("created_at",),
    ("actor", "id"),
    ("actor", "login"),
    ("repo", "id"),
    ("repo", "name"),
]
INT_FIELDS = [("actor", "id"), ("repo", "id")]
STR_FIELDS = [("type",), ("actor", "login"), ("repo", "name"), ("created_at",)]
# Typed payload fields by event type; null is allowed for these, other types are not.
PAYLOAD_INT = {"PushEvent": ["size", "distinct_size"], "PullRequestEvent": ["number"]}
PAYLOAD_STR = {
    "PushEvent": ["ref"],
    "CreateEvent": ["ref_type"],
    "IssuesEvent": ["action"],
    "PullRequestEvent": ["action"],
    "ReleaseEvent": ["action"],
}

not_int = st.one_of(
    st.text(max_size=8),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
not_str = st.one_of(
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.lists(st.text(max_size=3), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


def _dump(obj) -> bytes:
    return json.dumps(obj, ensure_ascii=False).encode()


def _reason(raw: bytes, **kwargs) -> str:
    outcome = validate_event(raw, source="test", **kwargs)
    assert isinstance(outcome, QuarantineRecord), outcome
    assert outcome.raw == raw and outcome.message
    return outcome.reason


@PROPS
@given(st.binary(max_size=400))
def test_random_bytes_never_raise_and_never_vanish(raw):
    outcome = validate_event(raw, source="test")
    assert isinstance(outcome, EnrichedGitHubEventV1 | QuarantineRecord)
    if isinstance(outcome, QuarantineRecord):
        assert outcome.reason in REASONS
    result = validate_batch([raw, raw], source="test")
    assert len(result.events) + len(result.quarantined) == 2


@PROPS
@given(base_events, st.data())
def test_truncated_json_is_malformed(obj, data):
    raw = _dump(obj)
    cut = data.draw(st.integers(min_value=0, max_value=len(raw) - 1))
    try:  # a cut inside a multi-byte character leaves bytes that are not UTF-8 first of all
        raw[:cut].decode("utf-8")
        expected = "malformed_json"
    except UnicodeDecodeError:
        expected = "non_utf8"
    assert _reason(raw[:cut]) == expected


@PROPS
@given(
    base_events,
    st.data(),
    st.sampled_from([b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80", b"\x80"]),
)
def test_invalid_utf8_anywhere_is_non_utf8(obj, data, bad):
    raw = _dump(obj)
    at = data.draw(st.integers(min_value=0, max_value=len(raw)))
    assert _reason(raw[:at] + bad + raw[at:]) == "non_utf8"


def _set(obj: dict, path: tuple, value) -> None:
    target = obj
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value


@PROPS
@given(base_events, st.sampled_from(REQUIRED))
def test_missing_required_field(obj, path):
    target = obj
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    assert _reason(_dump(obj)) == "missing_field"


@PROPS
@given(base_events, st.data())
def test_wrong_types(obj, data):
    kind = data.draw(
        st.sampled_from(["int", "str", "payload_int", "payload_str", "id", "timestamp", "payload"])
    )
    if kind == "int":
        _set(obj, data.draw(st.sampled_from(INT_FIELDS)), data.draw(not_int | st.none()))
    elif kind == "str":
        _set(obj, data.draw(st.sampled_from(STR_FIELDS)), data.draw(not_str | st.none()))
    elif kind == "payload_int":
        assume(obj["type"] in PAYLOAD_INT)
        obj["payload"][data.draw(st.sampled_from(PAYLOAD_INT[obj["type"]]))] = data.draw(not_int)
    elif kind == "payload_str":
        assume(obj["type"] in PAYLOAD_STR)
        obj["payload"][data.draw(st.sampled_from(PAYLOAD_STR[obj["type"]]))] = data.draw(not_str)
    elif kind == "id":
        obj["id"] = data.draw(
            st.one_of(
                st.text(min_size=1).filter(lambda s: not (s.isascii() and s.isdigit())),
                st.floats(),
                st.booleans(),
                st.none(),
                st.integers(max_value=-1),
                st.integers(min_value=2**63),
            )
        )
    elif kind == "timestamp":
        obj["created_at"] = data.draw(
            st.sampled_from(["yesterday", "", "2015-13-01T00:00:00Z", "12:00", "0001-01-01T00:00:00+01:00"])
        )
    else:
        obj["payload"] = data.draw(st.one_of(st.none(), st.integers(), st.text(), st.lists(st.integers())))
    try:
        raw = json.dumps(obj, ensure_ascii=False, allow_nan=False).encode()
    except ValueError:
        assume(False)
    assert _reason(raw) == "wrong_type"


@PROPS
@given(base_events, st.integers(min_value=0, max_value=3000))
def test_oversized_payloads(obj, extra):
    obj["payload"]["padding"] = "x" * extra
    raw = _dump(obj)
    limit = 2048
    outcome = validate_event(raw, source="test", max_bytes=limit)
    if len(raw) > limit:
        assert isinstance(outcome, QuarantineRecord) and outcome.reason == "oversized"
    else:
        assert isinstance(outcome, EnrichedGitHubEventV1)


def test_huge_payload_over_the_default_limit():
    obj = copy.deepcopy(BASES[0])
    obj["payload"]["padding"] = "y" * (1 << 20)
    raw = _dump(obj)
    assert _reason(raw) == "oversized"
    assert isinstance(validate_event(raw, source="t", max_bytes=len(raw)), EnrichedGitHubEventV1)
    # The size check comes first: an oversized non-UTF-8 record is "oversized".
    assert _reason(raw + b"\xff") == "oversized"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=4), children, max_size=3)
    ),
    max_leaves=8,
)


@PROPS
@given(json_values.filter(lambda v: not isinstance(v, dict)))
def test_json_that_is_not_an_object(value):
    assert _reason(_dump(value)) == "not_an_object"


@PROPS
@given(json_values.filter(lambda v: isinstance(v, dict)))
def test_arbitrary_objects_get_a_field_reason(value):
    assert _reason(_dump(value)) in {"missing_field", "wrong_type", "legacy_timeline_format"}


def test_legacy_detection_needs_the_timeline_shape():
    assert _reason(b'{"type":"PushEvent","actor":"someone","payload":{}}') == "legacy_timeline_format"
    assert _reason(b'{"type":"PushEvent","repository":{"name":"x"},"payload":{}}') == "legacy_timeline_format"
    assert (
        _reason(b'{"type":"GistEvent","actor":null,"url":"https://gist.github.com/1"}')
        == "legacy_timeline_format"
    )
    assert _reason(b'{"type":"PushEvent","payload":{}}') == "missing_field"


def test_timeline_records_normalize_or_name_the_rule():
    line = {
        "type": "PushEvent",
        "actor": "someone",
        "repository": {"owner": "o", "name": "r"},
        "created_at": "2012-01-01T23:30:00-08:00",
        "payload": {"size": 2, "ref": "refs/heads/main"},
    }
    event = validate_event(_dump(line), source="gharchive")
    assert event.created_at.isoformat() == "2012-01-02T07:30:00+00:00" and event.repo_name == "o/r"
    assert validate_event(_dump({**line, "payload": {"size": 3}}), source="x").event_id != event.event_id
    bad_time = validate_event(_dump({**line, "created_at": "yesterday"}), source="x")
    assert bad_time.reason == "legacy_timeline_format" and "created_at" in bad_time.message
    wrong = validate_event(_dump({**line, "payload": {"size": "two"}}), source="x")
    assert wrong.reason == "wrong_type" and "payload.size" in wrong.message


@PROPS
@given(base_events, st.data())
def test_fast_and_slow_paths_agree(obj, data):
    # Valid variations that both decoders must read alike: extra fields, unicode, int ids, nulls.
    obj["x_" + data.draw(st.text(max_size=5))] = data.draw(json_values)
    obj["actor"]["login"] = data.draw(st.text(max_size=12))
    obj["payload"]["action"] = data.draw(st.none() | st.text(max_size=8))
    if data.draw(st.booleans()):
        obj["id"] = data.draw(st.integers(min_value=0, max_value=2**63 - 1))
    if data.draw(st.booleans()):
        obj.pop("org", None)
    raw = json.dumps(obj, ensure_ascii=data.draw(st.booleans())).encode()
    try:
        fast = _fast(raw, "test")
    except Exception:  # noqa: BLE001 - any fast-path failure must be a real violation
        assert isinstance(slow_path(raw, "test", 1 << 20), QuarantineRecord)
        return
    assert slow_path(raw, "test", 1 << 20) == fast


def test_pathologically_deep_json_is_quarantined_not_raised():
    obj = copy.deepcopy(BASES[0])
    obj["payload"]["deep"] = "@"
    depth = 5000
    raw = _dump(obj).replace(b'"@"', b"[" * depth + b"]" * depth)
    outcome = validate_event(raw, source="test")
    assert isinstance(outcome, QuarantineRecord) and outcome.reason == "malformed_json"
    assert "recursion" in outcome.message
