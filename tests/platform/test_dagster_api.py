"""The GraphQL that `ghintel status` sends to the Dagster webserver is valid for the installed
dagster-webserver's schema (the answers are exercised in tests/test_imports.py and, against the
real webserver of a running platform, in tests/e2e)."""

from __future__ import annotations

import pytest
from graphql import parse, validate

from ghintel_pipeline.lib.platform.dagster_api import CHECKS_QUERY, LAST_RUN_QUERY, executions_query


@pytest.fixture(scope="module")
def schema():
    from dagster_graphql.schema import create_schema

    return create_schema().graphql_schema


@pytest.mark.parametrize(
    "query",
    [
        LAST_RUN_QUERY,
        CHECKS_QUERY,
        executions_query([(["silver", "github_events"], "quarantine_share"), (["gold", "dim_repos"], "pk")])[
            0
        ],
    ],
    ids=["last-run", "checks", "executions"],
)
def test_queries_are_valid_for_the_webserver_schema(schema, query):
    assert validate(schema, parse(query)) == []


def test_an_invalid_query_is_caught(schema):
    assert validate(schema, parse("query { runsOrError { ... on Runs { results { noSuchField } } } }"))


def test_executions_query_has_one_aliased_field_and_variable_pair_per_check():
    query, variables = executions_query([(["a", "b"], "one"), (["c"], "two")])
    assert "c0: assetCheckExecutions" in query and "c1: assetCheckExecutions" in query
    assert variables == {"k0": {"path": ["a", "b"]}, "n0": "one", "k1": {"path": ["c"]}, "n1": "two"}
