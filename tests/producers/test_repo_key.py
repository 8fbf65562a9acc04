"""The Kafka key: the top-level repo id, read fast but never from a nested repo."""

import gzip

import orjson

from ghintel_pipeline.lib.gharchive import headers_for, repo_key, resolve_sources
from ghintel_pipeline.lib.gharchive.produce import parse_repo_key
from tests.conftest import HOUR_15, LEGACY_2012


def test_fast_key_equals_a_full_parse_on_a_real_hour():
    lines = gzip.decompress(HOUR_15.read_bytes()).split(b"\n")[:-1]
    assert len(lines) == 11_351
    for line in lines:
        assert repo_key(line) == str(orjson.loads(line)["repo"]["id"]).encode()


def test_legacy_timeline_lines_have_no_key():
    lines = gzip.decompress(LEGACY_2012.read_bytes()).split(b"\n")[:-1]
    assert {repo_key(line) for line in lines} == {None}


def test_key_edge_cases():
    nested_first = (
        b'{"id":"1","payload":{"pull_request":{"head":{"repo":{"id":99}}}},"repo":{"id":7,"name":"a/b"}}'
    )
    assert repo_key(nested_first) == b"7", "a nested repo before the top-level one is not taken"
    assert repo_key(b'{"id":"1","repo":{"name":"a/b","id":8}}') == b"8"
    assert repo_key(b'{"id":"1","repo":{"id":"9"}}') == b"9"
    assert repo_key(b'{"id":"1","repo":{"id":9') is None, "a line that does not parse has no key"
    assert repo_key(b'{"id":"1","repo":{"id":9,"name":"x"},"payload":{') is None
    assert repo_key(b"not json") is None
    assert repo_key(b"[1,2]") is None
    assert repo_key(b'{"id":"1","type":"PushEvent"}') is None
    assert repo_key(b'{"repo":{"id":true}}') is None
    assert repo_key(b'{"repo":{"id":-3}}') is None
    assert parse_repo_key(b'{"repository":{"id":12}}') is None


def test_headers_carry_source_file_and_hour(tmp_path):
    src = resolve_sources(["2015-01-01-1"], base_url="http://m")[0]
    assert headers_for(src) == [
        ("source", b"gharchive"),
        ("file", b"2015-01-01-1.json.gz"),
        ("hour", b"2015-01-01T01:00:00Z"),
    ]
    other = tmp_path / "sample.json.gz"
    other.write_bytes(gzip.compress(b"{}\n"))
    assert headers_for(resolve_sources([str(other)], base_url="http://m")[0]) == [
        ("source", b"gharchive"),
        ("file", b"sample.json.gz"),
    ]
