"""GH Archive hour files: hour specs and ranges, streaming their lines, producing them to Kafka."""

from ghintel_pipeline.lib.lazy import lazy_exports

__getattr__, __all__ = lazy_exports(
    __name__,
    {
        "hours": [
            "HourSpecError",
            "format_hour",
            "hour_filename",
            "hour_from_filename",
            "hour_iso",
            "hour_range",
            "hour_url",
            "parse_hour",
        ],
        "produce": [
            "FileResult",
            "ProduceSummary",
            "ProgressHook",
            "headers_for",
            "produce_sources",
            "repo_key",
        ],
        "reader": [
            "HourSource",
            "ReadStats",
            "SourceError",
            "download",
            "download_hour",
            "gunzip_chunks",
            "http_client",
            "iter_lines",
            "event_lines",
            "source_of",
            "resolve_sources",
            "split_lines",
        ],
    },
)
