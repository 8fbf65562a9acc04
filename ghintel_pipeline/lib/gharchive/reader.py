"""Where hour files come from (file, folder, hour, range, URL) and how their lines are streamed.

Nothing is loaded whole: a file is read in chunks, a URL through an httpx streaming response, and
both go through one incremental gunzip (ISA-L's ``isal_zlib``, zlib's interface at about a third of
its CPU time), so a 500 MB hour costs a few MB of memory.
A stream that stops early is never taken for a complete file: a gzip stream that ends without
its end-of-stream marker is ``truncated``, a bad checksum ``corrupt``, a dropped connection
``connection_error``. The partial last line of such a stream is not yielded.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import httpx
from isal import isal_zlib
from tenacity import retry, retry_if_exception, stop_after_attempt, wait_exponential

from ghintel_pipeline.lib.gharchive.hours import (
    HourSpecError,
    hour_filename,
    hour_from_filename,
    hour_range,
    hour_url,
    is_hour_spec,
    parse_hour,
)

GZIP_MAGIC = b"\x1f\x8b"
FILE_CHUNK = 1024 * 1024


class SourceError(Exception):
    """One source could not be read completely. ``kind`` is machine-readable."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind  # not_found | http_error | connection_error | truncated | corrupt | io_error


@dataclass(frozen=True)
class HourSource:
    """One GH Archive file to read: a local path or a URL."""

    name: str  # file name, e.g. 2015-01-01-1.json.gz (the Kafka header ``file``)
    hour: datetime | None  # from the name when it is GH Archive's, else None
    path: Path | None = None
    url: str | None = None

    @property
    def location(self) -> str:
        return str(self.path) if self.path is not None else str(self.url)


@dataclass
class ReadStats:
    compressed_bytes: int = 0  # bytes read from disk / the network
    total_bytes: int | None = None  # file size or Content-Length when known
    extra: dict = field(default_factory=dict)


def _local(path: Path) -> HourSource:
    return HourSource(name=path.name, hour=hour_from_filename(path.name), path=path)


def _remote(url: str) -> HourSource:
    name = url.rstrip("/").rsplit("/", 1)[-1]
    return HourSource(name=name, hour=hour_from_filename(name), url=url)


def folder_sources(folder: Path) -> list[HourSource]:
    """The ``*.json.gz`` files of a folder (not recursive), in hour order, then name order."""
    files = [p for p in folder.iterdir() if p.is_file() and p.name.endswith(".json.gz")]
    sources = [_local(p) for p in files]
    return sorted(sources, key=lambda s: (s.hour is None, s.hour.timestamp() if s.hour else 0.0, s.name))


def resolve_sources(
    specs: Iterable[str],
    *,
    base_url: str,
    start: str | None = None,
    end: str | None = None,
) -> list[HourSource]:
    """Turn CLI specs into sources. A spec is an existing file or folder, an ``http(s)://`` URL,
    or an hour ``YYYY-MM-DD-H`` fetched from ``base_url``; ``start``/``end`` add an hour range."""
    sources: list[HourSource] = []
    for spec in specs:
        path = Path(spec).expanduser()
        if path.is_dir():
            found = folder_sources(path)
            if not found:
                raise HourSpecError(f"folder {spec} holds no .json.gz file")
            sources.extend(found)
        elif path.is_file():
            sources.append(_local(path))
        elif spec.startswith(("http://", "https://")):
            sources.append(_remote(spec))
        elif is_hour_spec(spec):
            sources.append(_remote(hour_url(base_url, parse_hour(spec))))
        else:
            raise HourSpecError(f"{spec!r} is not a file, a folder, a URL or an hour YYYY-MM-DD-H")
    if (start is None) != (end is None):
        raise HourSpecError("--from and --to go together")
    if start is not None and end is not None:
        sources.extend(_remote(hour_url(base_url, h)) for h in hour_range(start, end))
    return sources


# -- bytes in --------------------------------------------------------------------------------------
def _file_chunks(path: Path, stats: ReadStats) -> Iterator[bytes]:
    try:
        stats.total_bytes = path.stat().st_size
        with open(path, "rb") as fh:
            while chunk := fh.read(FILE_CHUNK):
                stats.compressed_bytes += len(chunk)
                yield chunk
    except OSError as exc:
        raise SourceError("io_error", f"{path}: {exc}") from exc


def _retryable(exc: BaseException) -> bool:
    if isinstance(exc, httpx.TransportError):
        return True
    return isinstance(exc, httpx.HTTPStatusError) and (
        exc.response.status_code >= 500 or exc.response.status_code == 429
    )


def _http_chunks(client: httpx.Client, url: str, stats: ReadStats, attempts: int = 3) -> Iterator[bytes]:
    """Stream a URL. Only the opening of the response is retried: once lines went out, a retry
    would send them twice, so a failure mid-body is reported instead."""

    @retry(
        retry=retry_if_exception(_retryable),
        stop=stop_after_attempt(attempts),
        wait=wait_exponential(multiplier=0.5, max=4),
        reraise=True,
    )
    def open_response() -> httpx.Response:
        response = client.send(client.build_request("GET", url), stream=True)
        if response.status_code >= 400:
            response.read()
            response.close()
            response.raise_for_status()
        return response

    try:
        response = open_response()
    except httpx.HTTPStatusError as exc:
        status = exc.response.status_code
        kind = "not_found" if status == 404 else "http_error"
        raise SourceError(kind, f"{url}: HTTP {status} {exc.response.reason_phrase}") from exc
    except httpx.TransportError as exc:
        raise SourceError("connection_error", f"{url}: {type(exc).__name__}: {exc}") from exc
    try:
        length = response.headers.get("content-length")
        stats.total_bytes = int(length) if length and length.isdigit() else None
        # iter_raw: the body as served. A .json.gz is gzip data; if a mirror adds
        # Content-Encoding: gzip on top, gunzip_chunks() below sniffs and handles both layers.
        # No chunk size: data is handed on as it arrives, so a connection that drops loses only
        # what was in flight, not a buffered chunk.
        for chunk in response.iter_raw():
            stats.compressed_bytes += len(chunk)
            yield chunk
    except httpx.TransportError as exc:
        raise SourceError(
            "connection_error", f"{url}: connection lost after {stats.compressed_bytes} bytes: {exc}"
        ) from exc
    finally:
        response.close()


# -- bytes out -------------------------------------------------------------------------------------
def gunzip_chunks(chunks: Iterable[bytes], *, name: str = "stream") -> Iterator[bytes]:
    """Incremental gunzip (multi-member aware); data without the gzip magic passes through."""
    it = iter(chunks)
    first = b""
    for chunk in it:
        first += chunk
        if len(first) >= len(GZIP_MAGIC):
            break
    if not first:
        return
    if not first.startswith(GZIP_MAGIC):
        yield first
        yield from it
        return
    d = isal_zlib.decompressobj(31)
    read = 0
    for chunk in _chain(first, it):
        read += len(chunk)
        data = chunk
        while data:
            if d.eof:
                if not data.strip(b"\x00"):
                    break  # zero padding after the last member, as gzip(1) tolerates
                d = isal_zlib.decompressobj(31)
            try:
                out = d.decompress(data)
            except (isal_zlib.error, zlib.error) as exc:
                raise SourceError("corrupt", f"{name}: gzip data corrupt after {read} bytes: {exc}") from exc
            if out:
                yield out
            data = d.unused_data if d.eof else b""
    if not d.eof:
        raise SourceError(
            "truncated", f"{name}: truncated: gzip stream ended without its end marker after {read} bytes"
        )


def _chain(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    yield first
    yield from rest


def split_lines(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Lines without their ``\\n`` (or ``\\r\\n``). A last line without newline is still a line."""
    tail = b""
    for chunk in chunks:
        parts = chunk.split(b"\n")
        if tail:
            parts[0] = tail + parts[0]
        tail = parts.pop()
        for line in parts:
            yield line[:-1] if line.endswith(b"\r") else line
    if tail:
        yield tail[:-1] if tail.endswith(b"\r") else tail


def iter_lines(
    source: HourSource, stats: ReadStats | None = None, *, client: httpx.Client | None = None
) -> Iterator[bytes]:
    """The lines of one source, streamed. Raises :class:`SourceError` where the stream breaks."""
    stats = stats if stats is not None else ReadStats()
    if source.path is not None:
        chunks = _file_chunks(source.path, stats)
    else:
        if client is None:
            raise ValueError("a URL source needs an httpx client")
        chunks = _http_chunks(client, str(source.url), stats)
    return split_lines(gunzip_chunks(chunks, name=source.name))


def source_of(path_or_url: str | Path) -> HourSource:
    """One file path or ``http(s)://`` URL as a source."""
    text = str(path_or_url)
    return _remote(text) if text.startswith(("http://", "https://")) else _local(Path(text))


def event_lines(path_or_url: str | Path, *, timeout_s: float = 60.0) -> Iterator[bytes]:
    """The non-blank lines of one file or URL (what a backfill loads), with the retries and the
    :class:`SourceError` of :func:`iter_lines`."""
    source = source_of(path_or_url)
    with http_client(timeout_s) if source.url else nullcontext() as client:
        for line in iter_lines(source, client=client):
            if line.strip():
                yield line


def http_client(timeout_s: float = 60.0) -> httpx.Client:
    """Client for GH Archive downloads: redirects followed, a read timeout per chunk."""
    return httpx.Client(timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 15.0)), follow_redirects=True)


def download(url: str, dest_dir: Path, *, client: httpx.Client | None = None) -> Path:
    """Fetch one hour file into ``dest_dir`` (checked: complete gzip) and return its path."""
    dest_dir.mkdir(parents=True, exist_ok=True)
    name = url.rstrip("/").rsplit("/", 1)[-1]
    target = dest_dir / name
    part = dest_dir / f".{name}.part"
    own = client is None
    client = client or http_client()
    try:
        with open(part, "wb") as fh:
            for chunk in _http_chunks(client, url, ReadStats()):
                fh.write(chunk)
        for _ in gunzip_chunks(_file_chunks(part, ReadStats()), name=name):
            pass
        part.replace(target)
    finally:
        part.unlink(missing_ok=True)
        if own:
            client.close()
    return target


def download_hour(hour: str, dest_dir: Path, *, base_url: str, client: httpx.Client | None = None) -> Path:
    """``download()`` for an hour spec; an existing complete copy is reused."""
    target = dest_dir / hour_filename(parse_hour(hour))
    if target.exists():
        return target
    return download(hour_url(base_url, parse_hour(hour)), dest_dir, client=client)
