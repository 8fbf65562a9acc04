{#-
  Dims are merged by key: an incremental run recomputes only the entities that had events in the
  recomputed hours, each from its whole history, and dbt's delete+insert replaces their rows. The
  result equals a full rebuild, and the cost follows the entities touched, not the history.
-#}

{#- The header of such a model: incremental, delete+insert on `key`. -#}
{% macro incremental_by_key(key) -%}
    {%- do config(materialized='incremental', incremental_strategy='delete+insert', unique_key=key) -%}
{%- endmacro %}


{#- The distinct `key`s of `relation` (a per-hour model) in the recomputed hours. -#}
{% macro recomputed_keys(relation, key) -%}
    select distinct {{ key }}
    from {{ relation }}
    where {{ key }} is not null
        and {{ recompute_filter({'grain': 'hour', 'column': 'event_hour', 'date_column': 'event_date'}) }}
{%- endmacro %}


{#- `where`/`and` clause keeping only the rows of the keys in CTE `scope` on incremental runs. -#}
{% macro only_keys_in(scope, key, keyword='where') -%}
    {%- if is_incremental() %}
    {{ keyword }} {{ key }} in (select {{ key }} from {{ scope }})
    {%- endif %}
{%- endmacro %}


{#-
  The opening of a dim merged by `key`: its incremental_by_key config, then on an incremental run
  `scope` (the SQL of the keys to recompute; default the keys of
  int_events_aggregated_to_repo_actor_hours in the recomputed hours), then one import CTE per
  entry of `inputs` ({name: relation}) holding only those keys. Ends with a comma; the model's
  own CTEs follow.
-#}
{% macro key_merge_inputs(key, inputs, scope=none) -%}
    {%- do incremental_by_key(key) -%}
    {#- ref outside the branch: dbt records the dependency at parse time, when nothing is incremental -#}
    {%- set activity = ref('int_events_aggregated_to_repo_actor_hours') -%}
    {%- if is_incremental() %}
scope as (

    {{ scope or recomputed_keys(activity, key) }}
),
    {%- endif %}
    {%- for name, relation in inputs.items() %}

{{ name }} as (

    select * from {{ relation }}
    {{- only_keys_in('scope', key) }}

),
    {%- endfor %}
{%- endmacro %}


{#- The lifetime span of an entity from rows carrying first_event_at / last_event_at. -#}
{% macro lifetime_span() -%}
    min(first_event_at) as first_seen,
        max(last_event_at) as last_seen
{%- endmacro %}
