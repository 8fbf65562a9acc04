{#-
  The activity counters of int_events_aggregated_to_repo_actor_hours are defined once, there; the
  marts only add them up to their grain. These macros write those sums, so a counter list is
  named in one place per mart kind.
-#}

{#-
  `sum(c) as c` for each counter, comma-separated (no trailing comma). Cast to BIGINT: DuckDB sums
  BIGINTs into HUGEINT, whose columns scan ~30x slower than BIGINT ones (measured on the hourly
  facts), and every later model reads these tables.
-#}
{% macro sum_counts(columns) -%}
    {%- for column in columns %}
        cast(sum({{ column }}) as bigint) as {{ column }}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}


{#- A repository's name and organisation: those of its latest event in the rows grouped. -#}
{% macro latest_repo_identity() -%}
    arg_max(repo_name, last_event_at) as repo_name,
        arg_max(org_id, last_event_at) as org_id,
        arg_max(org_login, last_event_at) as org_login
{%- endmacro %}


{#-
  The counters of an actor's activity at any grain (fct_actor_activity_daily, _hourly and
  fct_org_actor_activity_hourly): one rule for all three, grouped by the caller.
-#}
{% macro actor_activity_counts() -%}
    {{ sum_counts(['events', 'pushes', 'commits', 'prs_opened', 'prs_merged', 'reviews', 'comments', 'issues_opened']) }},
        count(distinct repo_id) as repos,
    {{- sum_counts(['stars', 'forks']) }},
        min(first_event_at) as first_event_at,
        max(last_event_at) as last_event_at
{%- endmacro %}


{#-
  data_coverage: 'low' when an hour holds enough events to expect coverage_min_expected of a kind
  and that kind's share fell under coverage_low_share_ratio x its baseline share; 'missing' for a gap.
-#}
{% macro share_coverage(share, baseline_share) -%}
    case
            when is_gap then 'missing'
            when events * {{ baseline_share }} >= {{ var('coverage_min_expected') }}
                and {{ share }} < {{ var('coverage_low_share_ratio') }} * {{ baseline_share }}
                then 'low'
            else 'ok'
        end
{%- endmacro %}
