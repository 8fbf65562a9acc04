#!/bin/sh
# Entry point of the ghintel image: write Dagster's instance config (Postgres storage when
# GHINTEL_DAGSTER_PG_URL is set; the URL stays an environment reference) into $DAGSTER_HOME, then run
# the service's command.
set -eu
python - <<'PY'
from ghintel_pipeline.lib.dagster_instance import write_instance_config
from ghintel_pipeline.lib.settings import Settings

write_instance_config(Settings())
PY
exec "$@"
