{#-
  One select per (entity kind, metric) and a UNION ALL of them, over the relations it is given
  (it knows no name of its caller): repo_hours / org_hours hold the hourly series per entity,
  `within` is the relation of the hours to score (scope 'target': one column event_hour) or of
  the baseline window (scope 'history': columns since, until), `candidates` the scored rows.
  scope 'target': the rescored hours, only entity-hours reaching the metric's minimum volume.
  scope 'history': the baseline window, only entities that are candidates for that metric.
-#}
{% macro anomaly_metric_series(scope, repo_hours, org_hours, within, candidates=none) -%}
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
    {% if scope == 'target' -%}
    where event_hour in (select event_hour from {{ within }})
        and {{ metric }} >= {{ min_volume }}
    {%- else -%}
    where event_hour between (select since from {{ within }}) and (select until from {{ within }})
        and {{ id_column }} in (
            select entity_id from {{ candidates }} where entity_type = '{{ kind }}' and metric = '{{ metric }}'
        )
    {%- endif %}
    {{ 'union all' if not (loop.last and kind_loop.last) }}
    {%- endfor -%}
    {%- endfor -%}
{%- endmacro %}
