"""Streaming lines from files and URLs: gunzip, truncation, corruption, HTTP failures."""

import gzip
import zlib
from pathlib import Path

import pytest

from ghintel_pipeline.lib.gharchive import (
    HourSpecError,
    SourceError,
    download_hour,
    gunzip_chunks,
    http_client,
    iter_lines,
    parse_hour,
    resolve_sources,
    split_lines,
)
from ghintel_pipeline.lib.gharchive.reader import ReadStats
from tests.conftest import HOUR_0, HOUR_1, LEGACY_2012


def chunked(data: bytes, size: int):
    return [data[i : i + size] for i in range(0, len(data), size)]


def file_lines(path: Path) -> list[bytes]:
    return gzip.decompress(path.read_bytes()).split(b"\n")[:-1]


def test_local_file_streams_every_line_byte_for_byte():
    stats = ReadStats()
    lines = list(iter_lines(resolve_sources([str(HOUR_1)], base_url="http://unused")[0], stats))
    assert len(lines) == 7427
    assert lines == file_lines(HOUR_1)
    assert stats.compressed_bytes == stats.total_bytes == HOUR_1.stat().st_size


def test_gunzip_in_odd_chunks_and_multi_member():
    raw = b'{"a":1}\n{"b":2}\n'
    two_members = gzip.compress(raw) + gzip.compress(b'{"c":3}\n') + b"\x00" * 8
    for size in (1, 7, 4096):
        out = b"".join(gunzip_chunks(chunked(two_members, size)))
        assert out == raw + b'{"c":3}\n'
    assert b"".join(gunzip_chunks([raw])) == raw, "data without the gzip magic passes through"
    assert list(gunzip_chunks([])) == []


def test_truncated_gzip_yields_complete_lines_then_fails():
    data = HOUR_1.read_bytes()[:1_000_000]
    expected = zlib.decompressobj(31).decompress(data).split(b"\n")[:-1]  # complete lines only
    got = []
    with pytest.raises(SourceError) as err:
        for line in split_lines(gunzip_chunks(chunked(data, 65536), name="x.json.gz")):
            got.append(line)
    assert err.value.kind == "truncated"
    assert got == expected and len(got) > 1000
    assert got == file_lines(HOUR_1)[: len(got)]


def test_crc_mismatch_is_corrupt():
    data = bytearray(gzip.compress(b'{"a":1}\n' * 100))
    data[-8] ^= 0xFF  # the CRC32 in the gzip trailer
    with pytest.raises(SourceError) as err:
        list(gunzip_chunks([bytes(data)]))
    assert err.value.kind == "corrupt"


def test_split_lines_edge_cases():
    assert list(split_lines([b"a\r\nb", b"c\n\n", b"d"])) == [b"a", b"bc", b"", b"d"]
    assert list(split_lines([b"", b"x\n"])) == [b"x"]


def test_resolve_specs(tmp_path):
    folder = tmp_path / "hours"
    folder.mkdir()
    for src in (HOUR_1, HOUR_0, LEGACY_2012):
        (folder / src.name).symlink_to(src)
    (folder / "notes.txt").write_text("ignored")
    names = [s.name for s in resolve_sources([str(folder)], base_url="http://m")]
    assert names == ["2012-06-14-15.json.gz", "2015-01-01-0.json.gz", "2015-01-01-1.json.gz"]

    sources = resolve_sources(
        ["2015-01-01-3", "https://x.example/a/2015-01-01-4.json.gz"],
        base_url="http://m/",
        start="2015-01-01-23",
        end="2015-01-02-0",
    )
    assert [s.url for s in sources] == [
        "http://m/2015-01-01-3.json.gz",
        "https://x.example/a/2015-01-01-4.json.gz",
        "http://m/2015-01-01-23.json.gz",
        "http://m/2015-01-02-0.json.gz",
    ]
    assert sources[0].hour == parse_hour("2015-01-01-3")
    with pytest.raises(HourSpecError):
        resolve_sources(["no-such-thing"], base_url="http://m")
    with pytest.raises(HourSpecError, match="together"):
        resolve_sources([], base_url="http://m", start="2015-01-01-0")
    with pytest.raises(HourSpecError, match="no .json.gz"):
        resolve_sources([str(tmp_path / "hours" / ".." / "hours" / "..")], base_url="http://m")


def test_url_streams_and_retries_transient_errors(mirror):
    mirror.add(HOUR_1)
    mirror.fail_first["2015-01-01-1.json.gz"] = 2
    source = resolve_sources(["2015-01-01-1"], base_url=mirror.url)[0]
    stats = ReadStats()
    with http_client(10) as client:
        lines = list(iter_lines(source, stats, client=client))
    assert lines == file_lines(HOUR_1)
    assert mirror.requests["2015-01-01-1.json.gz"] == 3
    assert stats.total_bytes == HOUR_1.stat().st_size


def test_url_missing_and_dropped_connection(mirror):
    with http_client(10) as client:
        with pytest.raises(SourceError) as err:
            list(iter_lines(resolve_sources(["2015-01-01-2"], base_url=mirror.url)[0], client=client))
        assert err.value.kind == "not_found" and "404" in str(err.value)
        assert mirror.requests["2015-01-01-2.json.gz"] == 1, "a 404 is not retried"

        mirror.add(HOUR_1)
        mirror.drop_after["2015-01-01-1.json.gz"] = 500_000
        got = []
        with pytest.raises(SourceError) as err:
            for line in iter_lines(resolve_sources(["2015-01-01-1"], base_url=mirror.url)[0], client=client):
                got.append(line)
        assert err.value.kind == "connection_error" and "after 500000 bytes" in str(err.value)
        assert 0 < len(got) < 7427 and got == file_lines(HOUR_1)[: len(got)]


def test_download_hour_checks_and_reuses(mirror, tmp_path):
    mirror.add(HOUR_1)
    dest = tmp_path / "cache"
    path = download_hour("2015-01-01-1", dest, base_url=mirror.url)
    assert path.read_bytes() == HOUR_1.read_bytes()
    assert download_hour("2015-01-01-1", dest, base_url=mirror.url) == path
    assert mirror.requests["2015-01-01-1.json.gz"] == 1

    (mirror.root / "2015-01-01-2.json.gz").write_bytes(HOUR_1.read_bytes()[:300_000])
    with pytest.raises(SourceError) as err:
        download_hour("2015-01-01-2", dest, base_url=mirror.url)
    assert err.value.kind == "truncated"
    assert sorted(p.name for p in dest.iterdir()) == ["2015-01-01-1.json.gz"], "no partial file is left"
