"""Hour specs and ranges, named the GH Archive way."""

from datetime import UTC, datetime

import pytest

from ghintel_pipeline.lib.gharchive import (
    HourSpecError,
    format_hour,
    hour_filename,
    hour_from_filename,
    hour_iso,
    hour_range,
    hour_url,
    parse_hour,
)


def test_parse_and_format_round_trip_without_zero_padding():
    hour = parse_hour("2015-01-01-1")
    assert hour == datetime(2015, 1, 1, 1, tzinfo=UTC)
    assert parse_hour("2015-01-01-01") == hour
    assert format_hour(hour) == "2015-01-01-1"
    assert hour_filename(parse_hour("2015-01-01-15")) == "2015-01-01-15.json.gz"
    assert hour_iso(hour) == "2015-01-01T01:00:00Z"
    assert hour_url("http://mirror/", hour) == "http://mirror/2015-01-01-1.json.gz"


@pytest.mark.parametrize(
    "bad", ["2015-01-01", "2015-01-01-24", "2015-02-30-1", "15-01-01-1", "2015-01-01-1x", ""]
)
def test_bad_hours_are_rejected(bad):
    with pytest.raises(HourSpecError):
        parse_hour(bad)


def test_range_is_inclusive_and_crosses_days():
    hours = hour_range("2015-01-01-22", "2015-01-02-1")
    assert [format_hour(h) for h in hours] == [
        "2015-01-01-22",
        "2015-01-01-23",
        "2015-01-02-0",
        "2015-01-02-1",
    ]
    assert hour_range("2015-01-01-5", "2015-01-01-5") == [parse_hour("2015-01-01-5")]
    with pytest.raises(HourSpecError, match="before"):
        hour_range("2015-01-02-0", "2015-01-01-0")
    with pytest.raises(HourSpecError, match="split"):
        hour_range("2015-01-01-0", "2017-01-01-0")


def test_hour_from_filename():
    assert hour_from_filename("2015-01-01-15.json.gz") == parse_hour("2015-01-01-15")
    assert hour_from_filename("events.json.gz") is None
    assert hour_from_filename("2015-13-01-1.json.gz") is None
