"""The live poller against the replay server: real recorded GitHub responses, fake time only."""

from __future__ import annotations

import orjson
import pytest

from ghintel_pipeline.lib.github_api import Endpoint, EventsApiClient, build_endpoints
from tests.github_api.conftest import FIREHOSE, NETWORK_PATH, NETWORK_WALK, USER_PATH, USER_WALK, WATCHLIST
from tests.github_api.replay_server import Scripted

EVENTS = Endpoint("/events", "firehose")


def test_first_poll_sends_every_event_compact_and_oldest_first(replay, make_poller):
    server = replay(FIREHOSE)
    poller, sunk = make_poller(server.base_url)
    recorded = server.recorded("/events").events()

    result = poller.poll_once()

    assert [orjson.loads(s.raw) for s in sunk] == list(reversed(recorded))
    assert all(s.raw == orjson.dumps(orjson.loads(s.raw)) for s in sunk)  # compact, all fields kept
    assert [s.repo_id for s in sunk] == [e["repo"]["id"] for e in reversed(recorded)]
    assert {s.endpoint for s in sunk} == {"/events"}
    stats = result.endpoints[0]
    assert (stats.status, stats.pages, stats.new, stats.seen, stats.etag_hit) == (200, 1, 30, 0, False)
    assert stats.rate_remaining == 58 and stats.poll_interval == 60
    (request,) = server.requests
    assert request.query["per_page"] == ["100"]
    assert "authorization" not in request.headers and "if-none-match" not in request.headers
    assert request.headers["user-agent"]


def test_token_is_sent_as_bearer(replay, make_poller):
    server = replay(FIREHOSE)
    poller, _ = make_poller(server.base_url, token="t0ken")
    poller.poll_once()
    assert server.requests[0].headers["authorization"] == "Bearer t0ken"


def test_etag_second_poll_gets_304_and_produces_nothing(replay, make_poller, clock):
    server = replay(FIREHOSE)
    poller, sunk = make_poller(server.base_url)

    summary = poller.run(max_polls=2)

    first, second = server.requests_to("/events")
    assert "if-none-match" not in first.headers
    assert second.headers["if-none-match"] == server.recorded("/events").header("ETag")
    assert second.status == 304
    assert len(sunk) == 30
    last = poller.state("/events").last
    assert last.etag_hit and last.status == 304 and last.new == 0 and last.pages == 0
    assert summary.not_modified == 1 and summary.events_new == 30 and summary.polls == 2


@pytest.mark.parametrize(
    ("recording", "path", "linked_path", "sizes"),
    [
        (NETWORK_WALK, NETWORK_PATH, NETWORK_PATH, [100, 100, 84]),
        (USER_WALK, USER_PATH, "/user/240830/events/public", [100, 100, 88]),  # Link uses the user id
    ],
)
def test_pagination_follows_link_next_over_three_gzip_pages(
    replay, make_poller, recording, path, linked_path, sizes
):
    server = replay(recording, aliases={"/events": path})
    poller, sunk = make_poller(server.base_url)

    stats = poller.poll_once().endpoints[0]

    assert (stats.pages, stats.new, stats.seen, stats.possible_gap) == (3, sum(sizes), 0, False)
    assert [r.page for r in server.requests] == [1, 2, 3]
    # Pages 2 and 3 are fetched where GitHub's Link pointed, not at the path we configured.
    assert [r.path for r in server.requests] == ["/events", linked_path, linked_path]
    pages = [server.recorded("/events")] + [server.recorded(linked_path, page) for page in (2, 3)]
    assert [len(p.events()) for p in pages] == sizes
    expected = [e for p in pages for e in p.events()]
    assert [orjson.loads(s.raw) for s in sunk] == list(reversed(expected))


def test_response_links_are_githubs_link_header(replay):
    """The recorded Link header, parsed by httpx (``Response.links``), as ``{rel: url}``."""
    server = replay(NETWORK_WALK, aliases={"/events": NETWORK_PATH})
    with EventsApiClient(server.base_url) as client:
        first = client.get(client.url("/events"))
        assert set(first.links) == {"next", "last"}
        assert first.links["next"] == f"{server.base_url}{NETWORK_PATH}?per_page=100&page=2"
        last = client.get(first.links["last"])
        assert "next" not in last.links
        assert last.links["first"] == f"{server.base_url}{NETWORK_PATH}?per_page=100&page=1"


def test_walk_stops_at_max_pages(replay, make_poller):
    server = replay(NETWORK_WALK, aliases={"/events": NETWORK_PATH})
    poller, sunk = make_poller(server.base_url, max_pages=2)
    stats = poller.poll_once().endpoints[0]
    assert stats.pages == 2 and len(sunk) == 200 and len(server.requests) == 2


def test_walk_stops_at_empty_page(replay, make_poller):
    server = replay(*WATCHLIST)
    poller, sunk = make_poller(server.base_url, firehose=False, orgs="BeaverSoftware")
    stats = poller.poll_once().endpoints[0]
    assert [r.page for r in server.requests] == [1, 2]  # page 2 was recorded empty
    assert (stats.pages, stats.new) == (2, 26) and len(sunk) == 26


def test_walk_stops_at_page_of_already_seen_events(replay, make_poller):
    server = replay(NETWORK_WALK, aliases={"/events": NETWORK_PATH})
    poller, sunk = make_poller(server.base_url)
    for event in server.recorded("/events", 2).events():  # as if an earlier poll had seen page 2
        poller.seen.add(event["id"])

    stats = poller.poll_once().endpoints[0]

    assert [r.page for r in server.requests] == [1, 2]
    assert (stats.pages, stats.new, stats.seen) == (2, 100, 100)


def test_same_page_twice_counts_all_as_seen(replay, make_poller):
    server = replay(NETWORK_WALK, aliases={"/events": NETWORK_PATH})
    poller, sunk = make_poller(server.base_url, max_pages=1)
    poller.poll_endpoint(EVENTS)
    poller.state("/events").etag = None  # force a full 200 answer of the same page

    again = poller.poll_endpoint(EVENTS)

    assert (again.status, again.new, again.seen, again.pages) == (200, 0, 100, 1)
    assert len(sunk) == 100


def test_possible_gap_when_last_page_is_all_new_on_a_later_poll(replay, make_poller):
    server = replay(NETWORK_WALK, USER_WALK, aliases={"/events": NETWORK_PATH})
    poller, _ = make_poller(server.base_url)

    first = poller.poll_endpoint(EVENTS)
    assert first.pages == 3 and not first.possible_gap  # no earlier poll: nothing to compare with
    # The next feed's last page holds none of the ids we know: events were probably missed.
    # (The two real walks share 49 events: sigmavirus24's own events on github3.py.)
    server.aliases["/events"] = USER_PATH
    second = poller.poll_endpoint(EVENTS)

    assert (second.pages, second.new, second.seen, second.possible_gap) == (3, 239, 49, True)
    assert poller.summary.possible_gaps == 1


def test_overlapping_poll_is_not_a_gap(replay, make_poller):
    server = replay(NETWORK_WALK, aliases={"/events": NETWORK_PATH})
    poller, _ = make_poller(server.base_url)
    poller.poll_endpoint(EVENTS)
    poller.state("/events").etag = None
    second = poller.poll_endpoint(EVENTS)
    assert not second.possible_gap and second.pages == 1 and second.seen == 100


def test_x_poll_interval_is_respected(replay, make_poller, clock):
    server = replay(FIREHOSE)
    # GitHub may raise the interval under load: the second answer asks for 120 s.
    server.script("/events", Scripted(), Scripted(headers={"X-Poll-Interval": "120", "ETag": '"v2"'}))
    poll_times = []
    poller, _ = make_poller(server.base_url, on_poll=lambda r: poll_times.append(r.started_at))

    poller.run(max_polls=3)

    assert [t - poll_times[0] for t in poll_times] == [0, 60, 180]
    assert len(server.requests) == 3


def test_min_interval_overrides_a_shorter_x_poll_interval(replay, make_poller, clock):
    server = replay(FIREHOSE)
    poll_times = []
    poller, _ = make_poller(
        server.base_url, min_interval_s=90, on_poll=lambda r: poll_times.append(r.started_at)
    )
    poller.run(max_polls=2)
    assert poll_times[1] - poll_times[0] == 90


def test_duration_bounds_the_run(replay, make_poller, clock):
    server = replay(FIREHOSE)
    poller, _ = make_poller(server.base_url)
    summary = poller.run(duration_s=150)
    assert summary.polls == 3 and summary.stopped_by == "duration"  # at 0, 60 and 120 s
    assert summary.elapsed_s == pytest.approx(150)


def test_exhausted_rate_limit_sleeps_until_reset(replay, make_poller, clock):
    server = replay(NETWORK_WALK, aliases={"/events": NETWORK_PATH})
    reset = int(clock.now) + 300
    server.script(
        "/events", Scripted(headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)})
    )
    requests_at_sleep = []
    clock.on_sleep.append(lambda s: requests_at_sleep.append(len(server.requests)))

    poller, _ = make_poller(server.base_url)
    stats = poller.poll_once().endpoints[0]

    assert stats.pages == 3 and stats.new == 284
    assert requests_at_sleep == [1]  # slept after page 1, before asking for page 2
    assert clock.sleeps[0] >= 300 and clock.now >= reset
    assert stats.rate_remaining == 48  # page 3's recorded header, after the reset


def test_403_with_exhausted_limit_waits_for_reset_then_retries(replay, make_poller, clock):
    server = replay(FIREHOSE)
    reset = int(clock.now) + 120
    server.script(
        "/events",
        Scripted(
            403,
            {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)},
            b'{"message":"API rate limit exceeded for 127.0.0.1."}',
        ),
    )
    poller, sunk = make_poller(server.base_url)
    poller.poll_once()
    assert [r.status for r in server.requests] == [403, 200]
    assert clock.now >= reset and len(sunk) == 30
    assert poller.refresh_summary().rate_limit_waits == 1


@pytest.mark.parametrize("status", [429, 403])
def test_retry_after_on_secondary_limit(replay, make_poller, clock, status):
    server = replay(FIREHOSE)
    server.script(
        "/events",
        Scripted(status, {"Retry-After": "7"}, b'{"message":"You have exceeded a secondary rate limit."}'),
    )
    poller, sunk = make_poller(server.base_url)

    stats = poller.poll_once().endpoints[0]

    assert [r.status for r in server.requests] == [status, 200]
    assert clock.sleeps == [7.0]
    assert stats.status == 200 and stats.new == 30 and len(sunk) == 30


def test_plain_403_is_not_retried(replay, make_poller, clock):
    server = replay(FIREHOSE)
    server.script("/events", Scripted(403, {}, b'{"message":"Forbidden"}'))
    poller, sunk = make_poller(server.base_url)
    stats = poller.poll_once().endpoints[0]
    assert len(server.requests) == 1 and clock.sleeps == []
    assert stats.status == 403 and "Forbidden" in stats.error and sunk == []


def test_5xx_then_success_with_exponential_backoff(replay, make_poller, clock):
    server = replay(FIREHOSE)
    server.script("/events", Scripted(502), Scripted(503), Scripted(500))
    poller, sunk = make_poller(server.base_url)

    stats = poller.poll_once().endpoints[0]

    assert [r.status for r in server.requests] == [502, 503, 500, 200]
    assert clock.sleeps == [1.0, 2.0, 4.0]
    assert stats.status == 200 and len(sunk) == 30
    assert poller.refresh_summary().retries == 3


def test_persistent_5xx_is_an_endpoint_error_and_other_endpoints_still_poll(replay, make_poller, clock):
    server = replay(FIREHOSE, *WATCHLIST)
    server.script("/events", *[Scripted(503)] * 4)
    poller, sunk = make_poller(server.base_url, repos="PyGithub/PyGithub")

    result = poller.poll_once()

    events, repo = result.endpoints
    assert events.status == 503 and "503" in events.error and events.new == 0
    assert repo.status == 200 and repo.new == 30 and len(sunk) == 30
    assert len(server.requests_to("/events")) == 4  # max_attempts


def test_watchlists_poll_the_right_paths(replay, make_poller):
    server = replay(FIREHOSE, *WATCHLIST)
    poller, sunk = make_poller(
        server.base_url, repos="PyGithub/PyGithub, sigmavirus24/github3.py", orgs="BeaverSoftware,github3py"
    )

    result = poller.poll_once()

    paths = [r.path for r in server.requests]
    assert paths == [
        "/events",
        "/repos/PyGithub/PyGithub/events",
        "/repos/sigmavirus24/github3.py/events",
        "/orgs/BeaverSoftware/events",
        "/orgs/BeaverSoftware/events",  # its page 2 (empty)
        "/orgs/github3py/events",
    ]
    per_endpoint = {e.endpoint: e.new for e in result.endpoints}
    assert per_endpoint == {
        "/events": 30,
        "/repos/PyGithub/PyGithub/events": 30,
        "/repos/sigmavirus24/github3.py/events": 100,
        "/orgs/BeaverSoftware/events": 26,
        "/orgs/github3py/events": 1,
    }
    repo_sunk = [s for s in sunk if s.endpoint == "/repos/PyGithub/PyGithub/events"]
    assert {s.repo_id for s in repo_sunk} == {3544490}  # PyGithub/PyGithub's repo id
    assert result.new == len(sunk) == 187


def test_build_endpoints_validates_watchlists():
    assert [e.path for e in build_endpoints(firehose=False, repos=" a/b ,, a/b", orgs="o")] == [
        "/repos/a/b/events",
        "/orgs/o/events",
    ]
    for bad in ({"repos": "nobody"}, {"repos": "a/b/c"}, {"orgs": "a/b"}):
        with pytest.raises(ValueError):
            build_endpoints(**bad)
    with pytest.raises(ValueError, match="nothing to poll"):
        build_endpoints(firehose=False)


def test_link_to_another_host_is_not_followed(replay, make_poller):
    server = replay(FIREHOSE)
    server.script(
        "/events", Scripted(headers={"Link": '<http://elsewhere.invalid/events?page=2>; rel="next"'})
    )
    poller, _ = make_poller(server.base_url, token="secret")
    stats = poller.poll_once().endpoints[0]
    assert stats.pages == 1 and stats.error is None and len(server.requests) == 1


def test_dedup_memory_is_bounded(replay, make_poller):
    server = replay(NETWORK_WALK, USER_WALK, aliases={"/events": NETWORK_PATH})
    poller, sunk = make_poller(server.base_url, dedup_capacity=300)

    poller.poll_endpoint(EVENTS)
    server.aliases["/events"] = USER_PATH
    poller.poll_endpoint(EVENTS)

    assert len(sunk) == 284 + 239  # 49 events are in both walks
    assert len(poller.seen) == 300 and poller.seen.evicted >= 284 + 239 - 300
    # The ids of the latest walk stay; the oldest ids of the first walk went first.
    latest = [
        e["id"]
        for page in (1, 2, 3)
        for e in server.recorded("/user/240830/events/public" if page > 1 else "/events", page).events()
    ]
    assert all(event_id in poller.seen for event_id in latest)
    assert orjson.loads(sunk[0].raw)["id"] not in poller.seen


def test_failed_later_page_drops_the_etag_so_the_next_poll_refetches(replay, make_poller):
    server = replay(NETWORK_WALK, aliases={"/events": NETWORK_PATH})
    server.script(NETWORK_PATH, *[Scripted(503)] * 4, page=2)
    poller, sunk = make_poller(server.base_url)

    failed = poller.poll_endpoint(EVENTS)
    retry = poller.poll_endpoint(EVENTS)

    assert failed.pages == 1 and failed.new == 100 and "503" in failed.error
    assert "if-none-match" not in server.requests_to("/events")[1].headers
    assert retry.status == 200 and retry.pages == 3 and retry.new == 184 and retry.seen == 100
    assert len(sunk) == 284
    assert poller.state("/events").etag == server.recorded("/events").header("ETag")


def test_a_restarted_poller_resumes_from_saved_state(replay, make_poller, tmp_path):
    from ghintel_pipeline.lib.github_api import load_poller_state, save_poller_state

    server = replay(FIREHOSE)
    first, sunk = make_poller(server.base_url)
    first.poll_once()
    assert len(sunk) == 30
    save_poller_state(tmp_path, first)

    again, resunk = make_poller(server.base_url)
    assert load_poller_state(tmp_path, again) and len(again.seen) == 30
    result = again.poll_once()
    assert resunk == [], "nothing produced twice after a restart"
    assert result.endpoints[0].etag_hit and server.requests_to("/events")[-1].status == 304
    fresh, _ = make_poller(server.base_url)
    assert not load_poller_state(tmp_path / "elsewhere", fresh) and len(fresh.seen) == 0
