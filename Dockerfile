# One image for every ghintel service of docker-compose.yml (producer, Dagster code server, webserver,
# daemon, API). Dependencies come from uv.lock exactly (`uv sync --frozen`), dev tools excluded.
FROM python:3.11-slim

ARG UV_VERSION=0.13.9
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    GHINTEL_HOME=/data/ghintel \
    DAGSTER_HOME=/data/ghintel/dagster

RUN pip install --no-cache-dir "uv==${UV_VERSION}" \
    && useradd --create-home --uid 10001 ghintel \
    && mkdir -p /data/ghintel/dagster \
    && chown -R ghintel:ghintel /data/ghintel

WORKDIR /app

# Dependencies first: this layer is reused as long as pyproject.toml/uv.lock do not change.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project

COPY . .
# The project is installed editable (uv's default) so that code finds dbt_project/ beside it. The dbt
# manifest is parsed now (offline) rather than by the first container that loads the code location.
RUN uv sync --frozen --no-dev \
    && chmod +x docker/*.sh \
    && python -c "from ghintel_pipeline.lib.gold import ensure_manifest; ensure_manifest()" \
    && chown -R ghintel:ghintel /app/dbt_project

USER ghintel
VOLUME ["/data/ghintel"]
ENTRYPOINT ["/app/docker/entrypoint.sh"]
CMD ["ghintel", "--help"]
