"""dbt unit tests (given/expect rows in the models' .yml) run through dbt itself."""

from __future__ import annotations

from ghintel_pipeline.lib.gold import run_dbt

UNIT_TESTS = 12


def test_dbt_unit_tests_pass(built):
    result = run_dbt(built.settings, ["test", "--select", "test_type:unit"])
    assert result.failures == []
    assert result.success
    assert result.statuses == {"pass": UNIT_TESTS}
