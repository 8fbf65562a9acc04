-- Event counts per (hour, source, event type): the input of data_coverage. Tiny (one row per
-- type per hour), incremental like the activity model so coverage never rescans silver.

with events as (

    {{ recomputed_rows(ref('stg_github__events'), incremental_by_recompute('hour', 'event_hour', 'event_date')) }}

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
