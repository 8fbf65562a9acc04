-- Hours for which the lake holds at least one event, from any source. Anomaly baselines only
-- count these hours: an hour the lake never saw is unknown, not zero.
{{ config(materialized='view') }}

with source_hours as (

    select * from {{ ref('int_events_aggregated_to_source_hours') }}

),

final as (

    select
        event_hour,
        {{ sum_counts(['events']) }}
    from source_hours
    group by event_hour

)

select * from final
