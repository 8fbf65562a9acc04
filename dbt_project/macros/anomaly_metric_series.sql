{#-
  One select per (entity kind, metric) and a UNION ALL of them, over the relations it is given
  (it knows no name of its caller): repo_hours / org_hours hold the hourly series per entity,
  `within` is the relation of the hours to score (scope 'target': one column event_hour) or of
  the baseline window (scope 'history': columns since, until), `candidates` the scored rows.
  scope 'target': the rescored hours, only entity-hours reaching the metric's minimum volume.
  scope 'history': the baseline window, only entities that are candidates for that metric.
-#}
{% macro anomaly_metric_series(scope, repo_hours, org_hours, within, candidates=none) -%}
    {%- set span = anomaly_scan_span(scope) -%}
    {%- set kinds = [
        ('repo', repo_hours, 'repo_id', 'repo_name', var('anomaly_min_volume')),
        ('org', org_hours, 'org_id', 'org_login', var('anomaly_org_min_volume')),
    ] -%}
    {%- for kind, relation, id_column, name_column, volumes in kinds -%}
    {%- set kind_loop = loop -%}
    {%- for metric, min_volume in volumes.items() %}
    select
        '{{ kind }}' as entity_type,
        {{ id_column }} as entity_id,
        {{ name_column }} as entity,
        '{{ metric }}' as metric,
        event_hour,
        cast({{ metric }} as double) as observed,
        {{ min_volume }} as min_volume
    from {{ relation }}
    {% if span -%}
    where event_hour >= timestamptz '{{ span[0] }}' and event_hour < timestamptz '{{ span[1] }}' and
    {% else -%}
    where
    {% endif -%}
    {% if scope == 'target' -%}
        event_hour in (select event_hour from {{ within }})
        and {{ metric }} >= {{ min_volume }}
    {%- else -%}
        event_hour between (select since from {{ within }}) and (select until from {{ within }})
        and {{ id_column }} in (
            select entity_id from {{ candidates }} where entity_type = '{{ kind }}' and metric = '{{ metric }}'
        )
    {%- endif %}
    {{ 'union all' if not (loop.last and kind_loop.last) }}
    {%- endfor -%}
    {%- endfor -%}
{%- endmacro %}



{#-
  On an incremental anomalies run, the literal [start, end) of the hours a scope reads: the
  rescored hours ('target') or those plus their baseline before them ('history'). The filters
  above stay exact; this superset only lets DuckDB skip the row groups of other hours (a
  subquery bound prunes nothing). none on a full build.
-#}
{% macro anomaly_scan_span(scope) -%}
    {#- a unit test compiles without the project graph: no span, the exact filters alone -#}
    {%- if 'nodes' not in graph or not is_incremental_run_of('anomalies') -%}{{ return(none) }}{%- endif -%}
    {%- set ranges = recompute_ranges(var('anomaly_baseline_hours')) -%}
    {%- if not ranges -%}{{ return(none) }}{%- endif -%}
    {%- set start = ranges[0][0] -%}
    {%- if scope == 'history' -%}
        {%- set start = start - modules.datetime.timedelta(hours=var('anomaly_baseline_hours')) -%}
    {%- endif -%}
    {{- return((start.strftime('%Y-%m-%d %H:00:00+00'), ranges[-1][1].strftime('%Y-%m-%d %H:00:00+00'))) -}}
{%- endmacro %}
