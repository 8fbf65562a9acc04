"""dbt unit tests (given/expect rows in the models' .yml) run through dbt itself."""

from __future__ import annotations

import yaml

from ghintel_pipeline.lib.gold import DBT_PROJECT_DIR, run_dbt


def _unit_tests_written() -> int:
    """Unit tests in the models' .yml files, counted without dbt: each of them must run and pass."""
    count = 0
    for path in (DBT_PROJECT_DIR / "models").rglob("*.yml"):
        count += len(yaml.safe_load(path.read_text()).get("unit_tests") or [])
    return count


def test_dbt_unit_tests_pass(built):
    written = _unit_tests_written()
    assert written >= 12
    result = run_dbt(built.settings, ["test", "--select", "test_type:unit"])
    assert result.failures == []
    assert result.success
    assert result.statuses == {"pass": written}
