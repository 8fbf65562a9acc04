-- Event counts per (hour, source, event type): the input of data_coverage. Tiny (one row per
-- type per hour), incremental like the activity model so coverage never rescans silver.
{%- set recompute = {'grain': 'hour', 'column': 'event_hour', 'date_column': 'event_date'} -%}
{{
    config(
        materialized='incremental',
        incremental_strategy='replace_recomputed',
        recompute=recompute,
    )
}}

with events as (

    select * from {{ ref('stg_github__events') }}
    {% if is_incremental() %}
    where {{ recompute_filter(recompute) }}
    {% endif %}

),

final as (

    select
        event_hour,
        min(event_date) as event_date,
        source,
        event_type,
        count(*) as events
    from events
    group by event_hour, source, event_type

)

select * from final
