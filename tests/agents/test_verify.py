"""The verifier's rules, including the ways a writer (or a model) gets a number subtly wrong."""

from __future__ import annotations

import pytest

from ghintel_agents.core.citations import Citation, Claim, cite_row
from ghintel_agents.core.verify import verify, verify_claim

REPO = Citation.for_row(
    "gold.fct_repo_activity_hourly",
    {
        "repo_name": "kaltura/mwEmbed",
        "window_start": "2015-01-01T00:00:00+00:00",
        "window_end": "2015-01-01T23:00:00+00:00",
    },
    7,
    {
        "repo_name": "kaltura/mwEmbed",
        "events": 1234,
        "stars": 3,
        "forks": 0,
        "score": 12.3456,
        "share": 0.4512,
    },
)
ACTOR = Citation.for_row("gold.dim_actors", {"actor_id": 42}, 3, {"login": "octo-cat", "events": 7})
ANOMALY = Citation.for_row(
    "gold.anomalies",
    {"id": "repo:acme/rocket:stars:2015-01-01T01"},
    2,
    {"entity": "acme/rocket", "event_hour": "2015-01-01T01:00:00+00:00", "observed": 40, "baseline": 1.5},
)


@pytest.mark.parametrize(
    "text",
    [
        "kaltura/mwEmbed had 1234 events and 3 stars.",
        "kaltura/mwEmbed had 1,234 events.",
        "Its trending score was 12.35.",
        "Its trending score was 12.3456.",
        "45% of the events came from one actor.",
        "45.12% of the events came from one actor.",
        "In the 24h window ending 2015-01-01T23:00 it got 0 forks.",
        "Over the last 24 hours it got 3 stars.",
        "The window started on 2015-01-01.",
        "Nothing to check here.",
    ],
)
def test_supported(text):
    check = verify_claim(text, [REPO])
    assert check.supported, check.reason
    if any(ch.isdigit() for ch in text):
        assert check.citations == [REPO]


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("kaltura/mwEmbed had 1235 events.", "number '1235'"),
        ("kaltura/mwEmbed had 1.2k events.", "abbreviated"),
        ("kaltura/mwEmbed had 1k events.", "abbreviated"),
        ("It had 1,233 events.", "number '1,233'"),
        ("Its score was 12.4.", "number '12.4'"),  # 12.3456 rounds to 12.3, not 12.4
        ("It had 1.2 thousand events.", "abbreviated"),
        ("Its score was 12.", "number '12'"),  # a whole number never stands for 12.3456
        ("It had -3 stars.", "number '-3'"),
        ("46% of the events came from one actor.", "number '46%'"),
        ("kaltura/mwembed2 had 3 stars.", "entity 'kaltura/mwembed2'"),
        ("torvalds/linux had 3 stars.", "entity 'torvalds/linux'"),
        ("It peaked on 2015-01-02.", "date '2015-01-02'"),
        ("It peaked at 2015-01-01T05.", "date '2015-01-01T05'"),
        ("It peaked on 2015-02-30.", "not a valid date"),
        ("Over the last 7 days it got 3 stars.", "window"),
        ("In the 30d window it got 3 stars.", "window"),
        ("The org rails got 3 stars.", "entity 'rails'"),
    ],
)
def test_rejected(text, why):
    check = verify_claim(text, [REPO])
    assert not check.supported
    assert why in check.reason


def test_digits_inside_entities_and_dates_are_not_numbers():
    row = Citation.for_row(
        "gold.dim_repos", {"repo_name": "user123/repo2015"}, 1, {"repo_name": "user123/repo2015", "stars": 5}
    )
    assert verify_claim("user123/repo2015 has 5 stars.", [row]).supported
    # but the date's own parts are checked as a date, and "5" still needs a field
    assert not verify_claim("user123/repo2015 has 6 stars.", [row]).supported


def test_entities_login_and_org_owner():
    assert verify_claim("@octo-cat made 7 events.", [ACTOR]).supported
    assert verify_claim("User octo-cat made 7 events.", [ACTOR]).supported
    assert not verify_claim("@octocat made 7 events.", [ACTOR]).supported
    assert verify_claim("The org acme had an anomaly.", [ANOMALY]).supported
    assert not verify_claim("The org acm had an anomaly.", [ANOMALY]).supported


def test_numbers_must_come_from_the_cited_rows_only():
    # 40 is in the anomaly row; citing only the repo row does not support it
    assert not verify_claim("acme/rocket observed 40 stars.", [REPO]).supported
    check = verify_claim("acme/rocket observed 40 stars at 2015-01-01T01:00 against 1.5.", [REPO, ANOMALY])
    assert check.supported and check.citations == [ANOMALY]


def test_a_date_in_the_text_does_not_also_count_as_numbers():
    # without masking, "2015", "01", "01" would each need a numeric field
    assert verify_claim("acme/rocket spiked on 2015-01-01 at 01:00.", [ANOMALY]).supported is False
    assert verify_claim("acme/rocket spiked at 2015-01-01 01:00.", [ANOMALY]).supported


def test_verify_splits_claims_by_their_own_citations():
    kept, rejected = verify(
        [
            Claim(text="kaltura/mwEmbed had 3 stars.", citations=[REPO.id]),
            Claim(text="kaltura/mwEmbed had 4 stars.", citations=[REPO.id]),
            Claim(text="@octo-cat made 7 events.", citations=[REPO.id]),  # right row exists, not cited
            Claim(text="@octo-cat made 7 events.", citations=["c-missing"]),
        ],
        [REPO, ACTOR],
    )
    assert [c.text for c in kept] == ["kaltura/mwEmbed had 3 stars."]
    assert [r.reason.split(" ")[0] for r in rejected] == ["number", "entity", "unknown"]


def test_cite_row_and_stable_ids():
    row = {"repo_name": "a/b", "events": 3, "event_hour": "2015-01-01T00:00:00+00:00"}
    first = cite_row(row, "gold.fct_repo_activity_hourly", ("repo_name", "event_hour"), 5)
    again = cite_row(dict(row), "gold.fct_repo_activity_hourly", ["repo_name", "event_hour"], 5)
    newer = cite_row(row, "gold.fct_repo_activity_hourly", ("repo_name", "event_hour"), 6)
    assert first.id == again.id != newer.id
    assert first.key == {"repo_name": "a/b", "event_hour": "2015-01-01T00:00:00+00:00"}
    assert first.values == row
    with pytest.raises(KeyError, match="lacks key field"):
        cite_row(row, "gold.dim_repos", ("repo_id",), 1)


def test_documentation_sections_support_only_numbers_they_quote():
    doc = Citation.for_row(
        "docs.metrics",
        {"section": "anomalies"},
        None,
        {"section": "anomalies", "text": "score >= 5 (var 0.8)"},
    )
    assert verify_claim("A row is written when the score is at least 5 and the share 0.8.", [doc]).supported
    assert not verify_claim("A row is written when the score is at least 6.", [doc]).supported
    # a gold row's text field (an explanation) is no such licence
    row = Citation.for_row(
        "gold.anomalies", {"id": "x"}, 1, {"explanation": "13 issues vs 0", "observed": 13}
    )
    assert not verify_claim("It had 0 issues before and 14 now.", [row]).supported
