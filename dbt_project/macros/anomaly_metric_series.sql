{#-
  The hourly series of every scored metric, one scan per entity kind (an UNPIVOT of the metric
  columns, not one scan per metric), over the relations it is given (it knows no name of its
  caller): repo_hours / org_hours hold the hourly series per entity, `within` is the relation of
  the hours to score (scope 'target': one column event_hour) or of the baseline window (scope
  'history': columns since, until), `candidates` the scored rows.
  scope 'target': the rescored hours, only entity-hours reaching the metric's minimum volume.
  scope 'history': the baseline window, only (entity, metric) pairs that are candidates. On an
  incremental run the literal span (a superset of the window) replaces the window's subquery
  bounds: extra hours are harmless, as each candidate joins only its own trailing hours, and
  with subquery bounds DuckDB misjudged the scan as small and built its hash table on the
  millions of series rows instead of the candidates (7 d lake: 1.7 -> 0.1 s).
  Rows: entity_type, entity_id, entity, metric, event_hour, observed, min_volume.
-#}
{% macro anomaly_metric_series(scope, repo_hours, org_hours, within, candidates=none) -%}
    {%- set span = anomaly_scan_span(scope) -%}
    {%- set kinds = [
        ('repo', repo_hours, 'repo_id', 'repo_name', var('anomaly_min_volume')),
        ('org', org_hours, 'org_id', 'org_login', var('anomaly_org_min_volume')),
    ] -%}
    {%- for kind, relation, id_column, name_column, volumes in kinds %}
    select
        '{{ kind }}' as entity_type,
        series.entity_id,
        series.entity,
        series.metric,
        series.event_hour,
        series.observed,
        case series.metric
        {%- for metric, min_volume in volumes.items() %} when '{{ metric }}' then {{ min_volume }}{% endfor %}
        end as min_volume
    from (
        select
            {{ id_column }} as entity_id,
            {{ name_column }} as entity,
            event_hour,
            {%- for metric in volumes %}
            cast({{ metric }} as double) as {{ metric }}{{ ',' if not loop.last }}
            {%- endfor %}
        from {{ relation }}
        where
        {%- if scope == 'target' %}
            event_hour in (select event_hour from {{ within }})
            {{ scan_span_filter('event_hour', span) }}
        {%- else %}
            {{ id_column }} in (select entity_id from {{ candidates }} where entity_type = '{{ kind }}')
            {%- if span %}
            {{ scan_span_filter('event_hour', span) }}
            {%- else %}
            and event_hour between (select since from {{ within }}) and (select until from {{ within }})
            {%- endif %}
        {%- endif %}
    ) unpivot (observed for metric in ({{ volumes | join(', ') }})) as series
    {%- if scope == 'target' %}
    where
        {%- for metric, min_volume in volumes.items() %}
        (series.metric = '{{ metric }}' and series.observed >= {{ min_volume }}){{ ' or' if not loop.last }}
        {%- endfor %}
    {%- else %}
    semi join (
        select entity_id, metric from {{ candidates }} where entity_type = '{{ kind }}'
    ) as wanted on wanted.entity_id = series.entity_id and wanted.metric = series.metric
    {%- endif %}
    {{ 'union all' if not loop.last }}
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


{#- `and column` within a literal span of anomaly_scan_span (nothing when there is none). -#}
{% macro scan_span_filter(column, span) -%}
    {%- if span -%}
    and {{ column }} >= timestamptz '{{ span[0] }}' and {{ column }} < timestamptz '{{ span[1] }}'
    {%- endif -%}
{%- endmacro %}
