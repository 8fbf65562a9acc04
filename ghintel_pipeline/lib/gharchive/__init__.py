"""GH Archive hour files: hour specs and ranges, streaming their lines, producing them to Kafka."""

from ghintel_pipeline.lib.gharchive.hours import (
    HourSpecError,
    format_hour,
    hour_filename,
    hour_from_filename,
    hour_iso,
    hour_range,
    hour_url,
    parse_hour,
)
from ghintel_pipeline.lib.gharchive.produce import (
    FileResult,
    ProduceSummary,
    ProgressHook,
    headers_for,
    produce_sources,
    repo_key,
)
from ghintel_pipeline.lib.gharchive.reader import (
    HourSource,
    ReadStats,
    SourceError,
    download,
    download_hour,
    gunzip_chunks,
    http_client,
    iter_lines,
    resolve_sources,
    split_lines,
)

__all__ = [
    "FileResult",
    "HourSource",
    "HourSpecError",
    "ProduceSummary",
    "ProgressHook",
    "ReadStats",
    "SourceError",
    "download",
    "download_hour",
    "format_hour",
    "gunzip_chunks",
    "headers_for",
    "hour_filename",
    "hour_from_filename",
    "hour_iso",
    "hour_range",
    "hour_url",
    "http_client",
    "iter_lines",
    "parse_hour",
    "produce_sources",
    "repo_key",
    "resolve_sources",
    "split_lines",
]
