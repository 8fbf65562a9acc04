{#-
  Generic test: `columns` form a key — none of them is NULL and no two rows share their values.
  One query instead of a not_null per column plus a uniqueness test. On a column it tests that
  column alone.
-#}
{% test primary_key(model, columns=none, column_name=none) %}
{%- set columns = columns or [column_name] %}

with keyed as (

    select {{ columns | join(', ') }}
    from {{ model }}

)

select {{ columns | join(', ') }}, count(*) as rows_with_key, 'duplicate' as problem
from keyed
group by {{ columns | join(', ') }}
having count(*) > 1

union all

select {{ columns | join(', ') }}, count(*) as rows_with_key, 'null in key' as problem
from keyed
where {% for c in columns %}{{ c }} is null{{ ' or ' if not loop.last }}{% endfor %}
group by {{ columns | join(', ') }}

{% endtest %}
