#!/bin/sh
# One-shot: create the lake bucket on MinIO (idempotent).
set -eu
until mc alias set lake "${MINIO_URL:-http://minio:9000}" "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD" >/dev/null; do
  echo "waiting for MinIO"; sleep 2
done
mc mb --ignore-existing "lake/${GHINTEL_BUCKET:-ghintel}"
mc ls lake
