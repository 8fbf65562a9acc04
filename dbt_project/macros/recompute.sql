{#-
  Which rows a run recomputes. build_gold passes the touched event hours as
  --vars '{"event_hours": ["2015-01-01T01:00:00+00:00", ...]}'. Incremental models filter their
  inputs with recompute_filter() and the `replace_recomputed` strategy deletes the same rows from
  the existing table before inserting, so a recomputed hour/day is replaced as a whole.
-#}

{% macro recompute_hours() -%}
    {%- set raw = var('event_hours', []) -%}
    {%- if raw is string -%}
        {%- set raw = raw.split(',') if raw | trim else [] -%}
    {%- endif -%}
    {%- set hours = [] -%}
    {%- for h in raw -%}
        {%- set ts = modules.datetime.datetime.fromisoformat(h | trim | replace('Z', '+00:00')) -%}
        {%- set ts = ts.astimezone(modules.pytz.utc) if ts.tzinfo else modules.pytz.utc.localize(ts) -%}
        {%- set ts = ts.replace(minute=0, second=0, microsecond=0) -%}
        {%- set iso = ts.strftime('%Y-%m-%d %H:00:00+00') -%}
        {%- if iso not in hours -%}{%- do hours.append(iso) -%}{%- endif -%}
    {%- endfor -%}
    {{- return(hours | sort) -}}
{%- endmacro %}


{% macro recompute_days() -%}
    {%- set days = [] -%}
    {%- for h in recompute_hours() -%}
        {%- if h[:10] not in days -%}{%- do days.append(h[:10]) -%}{%- endif -%}
    {%- endfor -%}
    {{- return(days) -}}
{%- endmacro %}


{#- Contiguous [start, end) ranges covering every recomputed hour plus `horizon_hours` after it. -#}
{% macro recompute_ranges(horizon_hours) -%}
    {%- set ns = namespace(ranges=[], start=none, end=none) -%}
    {%- for h in recompute_hours() -%}
        {%- set ts = modules.datetime.datetime.strptime(h[:13], '%Y-%m-%d %H') -%}
        {%- set stop = ts + modules.datetime.timedelta(hours=horizon_hours + 1) -%}
        {%- if ns.start is none -%}
            {%- set ns.start = ts -%}{%- set ns.end = stop -%}
        {%- elif ts <= ns.end -%}
            {%- set ns.end = [ns.end, stop] | max -%}
        {%- else -%}
            {%- do ns.ranges.append((ns.start, ns.end)) -%}
            {%- set ns.start = ts -%}{%- set ns.end = stop -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if ns.start is not none -%}{%- do ns.ranges.append((ns.start, ns.end)) -%}{%- endif -%}
    {{- return(ns.ranges) -}}
{%- endmacro %}


{#-
  SQL predicate selecting the recomputed rows of a model.
  grain 'hour': rows whose `column` (an hour) was touched; `date_column` adds partition pruning.
  grain 'day': rows whose `column` (a date) contains a touched hour.
  grain 'horizon': rows whose hour lies in [touched hour, touched hour + horizon_hours] (default
  var anomaly_baseline_hours); used by models whose value for an hour depends on a trailing
  window, because a late event also changes the later hours that window covers.
-#}
{% macro recompute_filter(recompute, alias=none) -%}
    {%- set prefix = alias ~ '.' if alias else '' -%}
    {%- set grain = recompute['grain'] -%}
    {%- set col = prefix ~ recompute['column'] -%}
    {%- if grain == 'hour' -%}
        {%- set hours = recompute_hours() -%}
        {%- if hours -%}
            ({{ col }} in ({% for h in hours %}timestamptz '{{ h }}'{{ ', ' if not loop.last }}{% endfor %})
            {%- if recompute.get('date_column') %}
            and {{ prefix ~ recompute['date_column'] }} in ({% for d in recompute_days() %}date '{{ d }}'{{ ', ' if not loop.last }}{% endfor %})
            {%- endif %})
        {%- else -%}false{%- endif -%}
    {%- elif grain == 'day' -%}
        {%- set days = recompute_days() -%}
        {%- if days -%}
            {{ col }} in ({% for d in days %}date '{{ d }}'{{ ', ' if not loop.last }}{% endfor %})
        {%- else -%}false{%- endif -%}
    {%- elif grain == 'horizon' -%}
        {%- set ranges = recompute_ranges(recompute.get('horizon_hours', var('anomaly_baseline_hours'))) -%}
        {%- if ranges -%}
            ({% for r in ranges %}({{ col }} >= timestamptz '{{ r[0].strftime('%Y-%m-%d %H:00:00+00') }}' and {{ col }} < timestamptz '{{ r[1].strftime('%Y-%m-%d %H:00:00+00') }}'){{ ' or ' if not loop.last }}{% endfor %})
        {%- else -%}false{%- endif -%}
    {%- else -%}
        {{ exceptions.raise_compiler_error("unknown recompute grain " ~ grain) }}
    {%- endif -%}
{%- endmacro %}


{#- Incremental strategy: delete the recomputed rows, insert the freshly computed ones. -#}
{% macro get_incremental_replace_recomputed_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set source = arg_dict['temp_relation'] -%}
    {%- set cols = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ target }} where {{ recompute_filter(config.require('recompute')) }};
    insert into {{ target }} ({{ cols }}) select {{ cols }} from {{ source }}
{%- endmacro %}


{#-
  The incremental header of every model recomputed by hour/day/horizon: configures the model
  (materialized incremental, strategy replace_recomputed) and returns the recompute spec that
  recompute_filter() takes. In a model: {% set recompute = incremental_by_recompute('hour',
  'event_hour', 'event_date') %}.
-#}
{% macro incremental_by_recompute(grain, column, date_column=none) -%}
    {%- set recompute = {'grain': grain, 'column': column} -%}
    {%- if date_column -%}{%- do recompute.update({'date_column': date_column}) -%}{%- endif -%}
    {%- do config(materialized='incremental', incremental_strategy='replace_recomputed', recompute=recompute) -%}
    {{- return(recompute) -}}
{%- endmacro %}


{#-
  is_incremental() for another model: true when `model_name` already has its table and this is not
  a full refresh, i.e. when that model's run will replace only its recomputed rows. Ephemeral
  pieces of an incremental model use it to read only what the model recomputes.
-#}
{% macro is_incremental_run_of(model_name) -%}
    {%- if not execute -%}{{ return(false) }}{%- endif -%}
    {%- set node = graph.nodes.values() | selectattr('resource_type', 'equalto', 'model')
        | selectattr('name', 'equalto', model_name) | first -%}
    {%- set relation = adapter.get_relation(node.database, node.schema, node.alias) -%}
    {{- return(relation is not none and relation.type == 'table' and not flags.FULL_REFRESH) -}}
{%- endmacro %}


{#-
  The import CTE of an incremental model: every row of `relation` matching `where` (optional SQL),
  and on an incremental run only the recomputed ones. In a model:
  {{ recomputed_rows(ref('x'), incremental_by_recompute('hour', 'event_hour', 'event_date')) }}.
-#}
{% macro recomputed_rows(relation, recompute, where=none) -%}
    select * from {{ relation }}
    {%- set filters = ([where] if where else []) + ([recompute_filter(recompute)] if is_incremental() else []) %}
    {%- if filters %}
    where {{ filters | join('\n    and ') }}
    {%- endif %}
{%- endmacro %}
