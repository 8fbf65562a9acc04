#!/bin/bash
# One-shot: create the raw-events topic and the subscriber topics (clean events, quarantine,
# anomalies) on the KRaft broker (idempotent), then show them.
set -euo pipefail
bin=/opt/kafka/bin
bootstrap="${KAFKA_BOOTSTRAP_SERVERS:-kafka:9092}"
topic="${GHINTEL_TOPIC:-github_raw_events}"
for attempt in $(seq 1 60); do
  if "$bin/kafka-topics.sh" --bootstrap-server "$bootstrap" --list >/dev/null 2>&1; then break; fi
  echo "waiting for Kafka at $bootstrap ($attempt)"; sleep 2
done
"$bin/kafka-topics.sh" --bootstrap-server "$bootstrap" --create --if-not-exists \
  --topic "$topic" --partitions "${GHINTEL_PARTITIONS:-3}" --replication-factor 1 \
  --config "retention.ms=${KAFKA_TOPIC_RETENTION_MS:-604800000}" \
  --config "max.message.bytes=${KAFKA_MAX_MESSAGE_BYTES:-2097152}"
for sub in "${GHINTEL_CLEAN_TOPIC:-github_clean_events}" "${GHINTEL_QUARANTINE_TOPIC:-github_quarantine_events}" \
    "${GHINTEL_ANOMALIES_TOPIC:-github_anomalies}"; do
  "$bin/kafka-topics.sh" --bootstrap-server "$bootstrap" --create --if-not-exists \
    --topic "$sub" --partitions "${GHINTEL_TOPICS_PARTITIONS:-3}" --replication-factor 1 \
    --config "retention.ms=${GHINTEL_TOPICS_RETENTION_MS:-604800000}" \
    --config "max.message.bytes=${KAFKA_MAX_MESSAGE_BYTES:-2097152}"
  "$bin/kafka-topics.sh" --bootstrap-server "$bootstrap" --describe --topic "$sub"
done
"$bin/kafka-topics.sh" --bootstrap-server "$bootstrap" --describe --topic "$topic"
