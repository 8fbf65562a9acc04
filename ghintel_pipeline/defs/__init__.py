"""Dagster definitions, one folder per domain on the data's path.

``sources/`` (GH Archive backfill) -> ``bronze/`` (Kafka -> raw Delta) -> ``silver/`` (validated,
deduped events + quarantine) -> ``gold_dbt/`` -> ``reports/``; ``maintenance/`` keeps the tables
healthy. Convention: every module under this package that has a module-level ``defs``
(a ``dagster.Definitions``) is merged by ``ghintel_pipeline.definitions`` — a new domain folder
needs no registration anywhere else.
"""
