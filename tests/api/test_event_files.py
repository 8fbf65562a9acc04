"""The /events file cache is warmed when silver loads: the newest files that fit, decoded and
grouped by repository, the newest most recently used; the pages read from it stay the same."""

from __future__ import annotations

from ghintel_api.core.event_files import EVENT_COLUMNS, FileCache, RepoRanges


def _sizes(lake) -> list[int]:
    schema = lake.silver_dataset.schema
    out = []
    for file in lake.silver_files:
        table, ranges = RepoRanges.group(file.fragment.to_table(schema=schema, columns=EVENT_COLUMNS))
        out.append(table.nbytes + ranges.nbytes)
    return out


def test_the_loaded_lake_holds_its_newest_files_decoded(lake):
    files = lake.silver_files
    assert len(files) >= 2
    cached = list(lake.event_file_cache._tables)  # least recently used first
    assert cached, "the session lake's files fit the default cache: they are decoded at load"
    newest_first = [f.fragment.path for f in files]
    assert cached[::-1] == newest_first[: len(cached)]
    assert set(lake.event_file_cache._repo_ranges) == set(cached)  # grouped by repository too


def test_warm_takes_the_newest_files_that_fit_and_keeps_what_it_has(lake):
    files, schema = lake.silver_files, lake.silver_dataset.schema
    sizes = _sizes(lake)
    cache = FileCache(sizes[0] + sizes[1] + 1)  # room for the two newest files only
    assert cache.warm(files, schema, EVENT_COLUMNS) == (2, sizes[0] + sizes[1])
    assert list(cache._tables) == [files[1].fragment.path, files[0].fragment.path]
    # a second load (a new silver version with the same files) decodes nothing again
    assert cache.warm(files, schema, EVENT_COLUMNS) == (0, sizes[0] + sizes[1])
    assert FileCache(0).warm(files, schema, EVENT_COLUMNS) == (0, 0)


def test_a_page_from_the_warmed_cache_equals_one_decoded_cold(lake):
    """The same repository pages with the warmed cache and with the cache off."""
    from ghintel_api.queries.events import list_events

    cur = lake.cursor()
    warmed = lake.event_file_cache
    try:
        table = lake.rel("dim_repos")
        repos = [
            r["repo_name"]
            for r in lake.query(cur, f"SELECT repo_name FROM {table} ORDER BY events DESC LIMIT 5")
        ]
        pages = [list_events(lake, cur, limit=25, cursor_key=b"k", repo=r).model_dump() for r in repos]
        pages.append(list_events(lake, cur, limit=50, cursor_key=b"k").model_dump())
        lake.event_file_cache = FileCache(0)
        cold = [list_events(lake, cur, limit=25, cursor_key=b"k", repo=r).model_dump() for r in repos]
        cold.append(list_events(lake, cur, limit=50, cursor_key=b"k").model_dump())
    finally:
        lake.event_file_cache = warmed
        cur.close()
    assert pages == cold
    assert all(p["data"] for p in pages)
