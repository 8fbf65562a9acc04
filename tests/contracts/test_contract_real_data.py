"""The contract on the real shared data: every 2015 event passes, the 2012 hour is quarantined."""

from __future__ import annotations

import gzip
import json
from collections import Counter

import pytest

from ghintel_pipeline.lib.contracts import (
    CATEGORY_BY_TYPE,
    EnrichedGitHubEventV1,
    parse_github_event,
    validate_batch,
    validate_event,
)
from ghintel_pipeline.lib.contracts.payloads import UnknownEventPayload, payload_model_for
from tests.conftest import API_RESPONSES_DIR, HOUR_0, HOUR_1, HOUR_15, LEGACY_2012


def _lines(path) -> list[bytes]:
    with gzip.open(path, "rb") as handle:
        return [line for line in handle.read().split(b"\n") if line]


@pytest.fixture(scope="module", params=[HOUR_0, HOUR_1, HOUR_15], ids=lambda p: p.name)
def hour(request):
    raws = _lines(request.param)
    return raws, validate_batch(raws, source="gharchive")


def test_every_2015_event_validates_and_counts_by_type_match(hour):
    raws, result = hour
    independent = Counter(json.loads(raw)["type"] for raw in raws)
    assert result.quarantined == []
    assert result.event_index == list(range(len(raws)))
    assert Counter(event.event_type for event in result.events) == independent
    assert sum(independent.values()) == len(raws) > 7000


def test_flat_fields_match_an_independent_reading(hour):
    raws, result = hour
    for raw, event in zip(raws, result.events, strict=True):
        obj = json.loads(raw)
        payload = obj["payload"]
        assert event.event_id == obj["id"]
        assert (event.actor_id, event.actor_login) == (obj["actor"]["id"], obj["actor"]["login"])
        assert (event.repo_id, event.repo_name) == (obj["repo"]["id"], obj["repo"]["name"])
        assert event.org_login == obj.get("org", {}).get("login")
        assert event.created_at.isoformat().replace("+00:00", "Z") == obj["created_at"]
        assert event.event_hour.minute == 0 and event.event_hour.hour == event.hour_of_day
        assert event.category == CATEGORY_BY_TYPE[obj["type"]]
        assert json.loads(event.payload_json) == payload
        assert event.source == "gharchive" and event.schema_version == 1
        if obj["type"] == "PushEvent":
            assert (event.commit_count, event.distinct_commit_count) == (
                payload["size"],
                payload["distinct_size"],
            )
            assert event.ref == payload["ref"]
        elif obj["type"] == "PullRequestEvent":
            pr = payload["pull_request"]
            assert (event.number, event.merged, event.additions) == (
                payload["number"],
                pr["merged"],
                pr["additions"],
            )
            assert event.pr_action == (
                "merged" if payload["action"] == "closed" and pr["merged"] else payload["action"]
            )
        elif obj["type"] in ("IssuesEvent", "IssueCommentEvent"):
            assert (event.number, event.issue_state) == (
                payload["issue"]["number"],
                payload["issue"]["state"],
            )
        elif obj["type"] == "ReleaseEvent":
            assert event.release_tag == payload["release"]["tag_name"]
        elif obj["type"] == "MemberEvent":
            assert event.member_login == payload["member"]["login"]
        elif obj["type"] == "PullRequestReviewCommentEvent":
            assert event.number == payload["pull_request"]["number"]
        else:
            assert event.commit_count is None and event.number is None


def test_built_events_are_valid_pydantic_instances(hour):
    # The fast constructor skips validation: re-validating a sample must give the same events.
    _, result = hour
    for event in result.events[::50]:
        assert EnrichedGitHubEventV1.model_validate(event.model_dump()) == event


def test_full_models_accept_a_real_hour():
    for raw in _lines(HOUR_1):
        event, payload = parse_github_event(raw)
        assert type(payload) is payload_model_for(event.type)
        assert type(payload) is not UnknownEventPayload


def test_the_2012_timeline_hour_is_normalized():
    raws = _lines(LEGACY_2012)
    result = validate_batch(raws, source="gharchive")
    assert len(raws) == 5313
    # Only user and gist events (no repository, so no repo event) stay in quarantine.
    quarantined = {json.loads(raws[i])["type"] for i, _ in result.quarantined}
    assert quarantined == {"GistEvent", "FollowEvent"} and len(result.quarantined) == 207 + 130
    assert {record.reason for _, record in result.quarantined} == {"legacy_timeline_format"}
    assert len(result.events) == 5313 - 337
    first = result.events[0]
    assert first.repo_name == "plexinc-plugins/Services.bundle" and first.org_login == "plexinc-plugins"
    assert first.actor_login == "mikedm139" and first.actor_id < 0 and first.repo_id < 0
    # 15:01:42-07:00 (Pacific, daylight time) is 22:01:42 UTC.
    assert first.created_at.isoformat() == "2012-06-14T22:01:42+00:00" and first.number == 294
    assert int(first.event_id) >= 2**62, "synthetic ids lie above every GitHub event id"
    pushes = [e for e in result.events if e.event_type == "PushEvent"]
    assert len(pushes) == 2724 and all(e.commit_count is not None for e in pushes)
    # Deterministic: a rerun gives the same ids. The hour holds one PullRequestEvent twice with its
    # keys in another order: the id comes from the sorted-keys JSON, so both copies share it.
    again = validate_batch(raws, source="gharchive")
    assert [e.event_id for e in again.events] == [e.event_id for e in result.events]
    canonical = {json.dumps(json.loads(raws[i]), sort_keys=True) for i in result.event_index}
    assert len({e.event_id for e in result.events}) == len(canonical) == 4975
    for event in result.events[::97]:
        assert EnrichedGitHubEventV1.model_validate(event.model_dump()) == event


def test_recorded_events_api_responses_validate():
    # A pretty-printed GET /events body (2013) and a replayed one with display_login (2020).
    bodies = [json.loads((API_RESPONSES_DIR / "simdjson-github_events" / "github_events.json").read_text())]
    replay = (API_RESPONSES_DIR / "pygithub-replay" / "Github.testGetEvents.txt").read_text().split("\n")
    bodies.append(json.loads(replay[9]))
    for body in bodies:
        assert len(body) == 30
        for obj in body:
            outcome = validate_event(json.dumps(obj, indent=1).encode(), source="events_api")
            assert isinstance(outcome, EnrichedGitHubEventV1), outcome
            assert outcome.event_id == obj["id"] and outcome.source == "events_api"
