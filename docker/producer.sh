#!/bin/sh
# The producer service: GHINTEL_SOURCE=live (default) polls the GitHub Events API;
# GHINTEL_SOURCE=gharchive:<a>[,<b>...] replays GH Archive files, hours (YYYY-MM-DD-H) or one range
# (<hour>..<hour>) once and exits 0 (the compose restart policy only restarts failures).
# Same rules as `ghintel up` (ghintel_pipeline/lib/platform/services.py: producer_argv).
set -eu
source="${GHINTEL_SOURCE:-live}"
case "$source" in
  live)
    exec ghintel produce live ;;
  gharchive:*)
    set --
    range=""
    for item in $(printf '%s' "${source#gharchive:}" | tr ',' ' '); do
      case "$item" in
        *..*)
          if [ -n "$range" ]; then echo "GHINTEL_SOURCE: one hour range at most" >&2; exit 2; fi
          range="$item" ;;
        *) set -- "$@" "$item" ;;
      esac
    done
    if [ -n "$range" ]; then set -- "$@" --from "${range%%..*}" --to "${range#*..}"; fi
    if [ "$#" -eq 0 ]; then echo "GHINTEL_SOURCE=gharchive: needs files, hours or a range" >&2; exit 2; fi
    exec ghintel produce gharchive --skip-done "$@" ;;
  *)
    echo "GHINTEL_SOURCE=$source: expected live or gharchive:<files|hours|range>" >&2
    exit 2 ;;
esac
