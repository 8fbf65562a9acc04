#!/bin/sh
# The producer service: GHINTEL_SOURCE=live (default) polls the GitHub Events API;
# GHINTEL_SOURCE=gharchive:<a>[,<b>...] replays GH Archive files, hours (YYYY-MM-DD-H) or a range
# (<hour>..<hour>) once and exits 0 (the compose restart policy only restarts failures).
set -eu
source="${GHINTEL_SOURCE:-live}"
case "$source" in
  live)
    exec ghintel produce live ;;
  gharchive:*)
    items=$(printf '%s' "${source#gharchive:}" | tr ',' ' ')
    # shellcheck disable=SC2086 # one argument per item is the point
    exec ghintel produce gharchive $items ;;
  *)
    echo "GHINTEL_SOURCE=$source: expected live or gharchive:<files|hours|range>" >&2
    exit 2 ;;
esac
