{#-
  Data tests of incremental models only look at the rows this run recomputed, so a minute batch
  does not re-test the whole history (dbt's documented override point for test `where`).
  dbt_project.yml sets `where: "__recomputed__"` on every data test; here that sentinel becomes
  the recompute_filter() of the model the test is attached to. Full refreshes, runs without
  event_hours, and models without a `recompute` config are tested in full. Any other `where`
  behaves as in dbt.
-#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- if where == '__recomputed__' -%}
        {%- set attached = graph.nodes.get(model.attached_node) if model.attached_node else none -%}
        {%- set recompute = attached.config.get('recompute') if attached else none -%}
        {%- if recompute and recompute_hours() and not flags.FULL_REFRESH -%}
            {%- set where = recompute_filter(recompute) -%}
        {%- else -%}
            {%- set where = none -%}
        {%- endif -%}
    {%- endif -%}
    {%- if where -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}
