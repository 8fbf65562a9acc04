"""Fixtures for every documented event type and for the 2025 trimmed shapes; the flat rules."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import msgspec
import pyarrow as pa
import pytest
from pydantic import ValidationError

from ghintel_pipeline.lib.contracts import (
    PAYLOAD_MODELS,
    SILVER_EVENT_SCHEMA,
    EnrichedGitHubEventV1,
    QuarantineRecord,
    events_to_arrow,
    is_bot_login,
    lean,
    parse_github_event,
    validate_batch,
    validate_event,
)
from ghintel_pipeline.lib.contracts.payloads import DOCUMENTED_EVENT_TYPES, UnknownEventPayload
from ghintel_pipeline.lib.contracts.validate import _fast, slow_path

FIXTURES = Path(__file__).parent / "fixtures"
TYPE_FIXTURES = sorted((FIXTURES / "event_types").glob("*.json"))
TRIMMED = {p.stem: p.read_bytes() for p in (FIXTURES / "trimmed_2025").glob("*.json")}


def _ok(raw: bytes, source: str = "events_api") -> EnrichedGitHubEventV1:
    outcome = validate_event(raw, source=source)
    assert isinstance(outcome, EnrichedGitHubEventV1), outcome
    return outcome


def test_every_documented_event_type_has_a_fixture_and_a_model():
    names = {p.stem for p in TYPE_FIXTURES}
    assert set(DOCUMENTED_EVENT_TYPES) <= names
    assert names <= set(PAYLOAD_MODELS)
    assert len(DOCUMENTED_EVENT_TYPES) == 18


@pytest.mark.parametrize("path", TYPE_FIXTURES, ids=lambda p: p.stem)
def test_type_fixture_passes_full_models_and_the_contract(path):
    raw = path.read_bytes()
    event, payload = parse_github_event(raw)
    assert event.type == path.stem
    assert type(payload) is PAYLOAD_MODELS[path.stem]
    flat = _ok(raw)
    assert flat.event_type == path.stem
    assert json.loads(flat.payload_json) == json.loads(raw)["payload"]
    assert flat.actor_login == event.actor.login and flat.repo_owner == "octo-org"
    # Both decoders give the same event for the same bytes.
    assert slow_path(raw, "events_api", 1 << 20) == _fast(raw, "events_api")


EXPECTED = {
    "CommitCommentEvent": {"category": "comment", "action": "created"},
    "CreateEvent": {"category": "branch", "ref": "v1.0.0", "ref_type": "tag"},
    "DeleteEvent": {"category": "branch", "ref": "old-topic", "ref_type": "branch"},
    "DiscussionEvent": {"category": "discussion", "number": 90, "action": "created"},
    "DiscussionCommentEvent": {"category": "discussion", "number": 90},
    "ForkEvent": {"category": "fork", "actor_login": "monalisa"},
    "GollumEvent": {"category": "wiki", "action": None},
    "IssueCommentEvent": {"category": "comment", "number": 1347, "issue_state": "open"},
    "IssuesEvent": {"category": "issue", "number": 1347, "issue_state": "closed", "action": "closed"},
    "MemberEvent": {"category": "membership", "member_login": "monalisa", "action": "added"},
    "PublicEvent": {"category": "visibility", "payload_json": "{}"},
    "PullRequestEvent": {
        "category": "pull_request",
        "number": 1347,
        "merged": True,
        "pr_action": "merged",
        "additions": 100,
        "deletions": 3,
        "changed_files": 5,
    },
    "PullRequestReviewEvent": {"category": "review", "number": 1347, "merged": None, "pr_action": None},
    "PullRequestReviewCommentEvent": {"category": "review", "number": 1347},
    "PullRequestReviewThreadEvent": {"category": "review", "number": 1347, "action": "resolved"},
    "PushEvent": {
        "category": "code_change",
        "commit_count": 2,
        "distinct_commit_count": 1,
        "ref": "refs/heads/main",
    },
    "ReleaseEvent": {"category": "release", "release_tag": "v1.0.0", "action": "published"},
    "SponsorshipEvent": {"category": "other", "org_id": None, "action": "created"},
    "WatchEvent": {"category": "star", "action": "started", "is_bot": True},
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_type_fixture_flat_values(name):
    flat = _ok((FIXTURES / "event_types" / f"{name}.json").read_bytes())
    for column, value in EXPECTED[name].items():
        assert getattr(flat, column) == value, column
    assert flat.created_at == datetime(2024, 5, 21, 10, tzinfo=UTC)
    assert (flat.event_date, flat.hour_of_day, flat.day_of_week) == (date(2024, 5, 21), 10, 2)


def test_trimmed_2025_push_has_null_counts_not_zero():
    flat = _ok(TRIMMED["push_trimmed"])
    assert flat.commit_count is None and flat.distinct_commit_count is None
    assert (flat.ref, flat.category, flat.org_id) == ("refs/heads/master", "code_change", None)
    table = events_to_arrow([flat])
    assert table.column("commit_count").null_count == 1
    event, payload = parse_github_event(TRIMMED["push_trimmed"])
    assert payload.size is None and payload.commits is None and payload.repository_id == 877864401


def test_trimmed_2025_pull_request_leaves_merge_unknown():
    flat = _ok(TRIMMED["pull_request_closed_slim"])
    assert (flat.number, flat.action, flat.pr_action) == (8, "closed", "closed")
    assert flat.merged is None and flat.additions is None and flat.changed_files is None
    review = _ok(TRIMMED["pull_request_review_slim"])
    assert (review.number, review.category, review.is_bot) == (8, "review", True)
    for raw in TRIMMED.values():
        parse_github_event(raw)


def test_unknown_type_is_kept_as_other():
    obj = json.loads((FIXTURES / "event_types" / "WatchEvent.json").read_bytes())
    obj.update(type="CopilotAgentEvent", payload={"action": "dreamed", "nested": {"x": [1, 2]}})
    flat = _ok(json.dumps(obj).encode())
    assert (flat.event_type, flat.category, flat.action) == ("CopilotAgentEvent", "other", "dreamed")
    obj["payload"] = {"action": {"not": "text"}}
    assert _ok(json.dumps(obj).encode()).action is None
    event, payload = parse_github_event(json.dumps(obj))
    assert type(payload) is UnknownEventPayload


def test_schema_drift_new_fields_do_not_fail():
    obj = json.loads((FIXTURES / "trimmed_2025" / "push_trimmed.json").read_bytes())
    obj["brand_new_field"] = {"a": 1}
    obj["actor"]["new_actor_field"] = True
    obj["payload"]["new_payload_field"] = [1, 2, 3]
    _ok(json.dumps(obj).encode())
    parse_github_event(json.dumps(obj))


def test_integer_id_and_offset_timestamps_are_normalised():
    obj = json.loads((FIXTURES / "event_types" / "PushEvent.json").read_bytes())
    obj["id"] = 42
    obj["created_at"] = "2024-05-21T03:30:00-07:00"
    flat = _ok(json.dumps(obj).encode())
    assert flat.event_id == "42"
    assert flat.created_at == datetime(2024, 5, 21, 10, 30, tzinfo=UTC)
    assert flat.event_hour == datetime(2024, 5, 21, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    ("login", "bot"),
    [
        ("dependabot[bot]", True),
        ("github-actions[bot]", True),
        ("renovate", True),
        ("Dependabot", True),
        ("nrel-bot", True),
        ("BrewTestBot", True),
        ("CocoaPodsBot", True),
        ("hubot", True),
        ("snyk_bot", True),
        ("octocat", False),
        ("abbott567", False),
        ("shawnbot", False),
        ("Robotics", False),
        ("botandrose", False),
    ],
)
def test_bot_rule(login, bot):
    assert is_bot_login(login) is bot


def test_events_to_arrow_schema_and_values():
    raws = [p.read_bytes() for p in TYPE_FIXTURES] + list(TRIMMED.values())
    result = validate_batch(raws, source="events_api")
    assert len(result.events) == len(raws)
    table = events_to_arrow(result.events)
    assert table.schema.equals(SILVER_EVENT_SCHEMA, check_metadata=True)
    assert table.num_rows == len(raws)
    assert table.column("event_id").to_pylist() == [e.event_id for e in result.events]
    assert table.column("created_at").type == pa.timestamp("us", tz="UTC")
    rows = table.to_pylist()
    for event, row in zip(result.events, rows, strict=True):
        assert row == {name: getattr(event, name) for name in SILVER_EVENT_SCHEMA.names}
    assert events_to_arrow([]).schema.equals(SILVER_EVENT_SCHEMA)


def test_per_record_sources_and_indexes():
    good = TRIMMED["push_trimmed"]
    result = validate_batch([b"nope", good, b"[]", good], source=["a", "b", "c", "d"])
    assert result.event_index == [1, 3]
    assert [e.source for e in result.events] == ["b", "d"]
    assert [(i, q.reason) for i, q in result.quarantined] == [(0, "malformed_json"), (2, "not_an_object")]
    with pytest.raises(ValueError):
        validate_batch([good], source=["a", "b"])


def test_bytes_like_str_and_none_inputs():
    good = TRIMMED["push_trimmed"]
    for raw in (bytearray(good), memoryview(good), good.decode()):
        assert isinstance(validate_event(raw, source="x"), EnrichedGitHubEventV1)
    record = validate_event(None, source="x")
    assert (record.reason, record.raw, record.message) == ("malformed_json", b"", "empty input")
    result = validate_batch([None, good], source="x")
    assert result.event_index == [1] and result.quarantined[0][1].reason == "malformed_json"
    with pytest.raises(TypeError):
        validate_event(12, source="x")


def test_quarantine_record_serialises_non_utf8_bytes():
    record = validate_event(b'{"id": "\xff"}', source="x")
    assert isinstance(record, QuarantineRecord) and record.reason == "non_utf8"
    assert QuarantineRecord.model_validate_json(record.model_dump_json()) == record


def test_enriched_model_rejects_bad_values():
    flat = _ok(TRIMMED["push_trimmed"])
    data = flat.model_dump()
    with pytest.raises(ValidationError):
        EnrichedGitHubEventV1.model_validate({**data, "category": "nonsense"})
    with pytest.raises(ValidationError):
        EnrichedGitHubEventV1.model_validate({**data, "event_id": "12a"})


def test_msgspec_mirror_matches_the_pydantic_lean_models():
    for model in {*lean.LEAN_PAYLOADS.values(), lean.UnknownPayload, lean.LeanEnvelope}:
        struct = lean.to_struct(model) if model is not lean.LeanEnvelope else lean.MsEnvelope
        fields = {f.name: f for f in msgspec.structs.fields(struct)}
        assert set(fields) == set(model.model_fields), model
        for name, info in model.model_fields.items():
            assert (fields[name].required) == info.is_required(), (model, name)
