-- The span of hours an anomalies run reads: from anomaly_baseline_hours before the first rescored
-- hour to the last one. One row (since, until); nulls when nothing is rescored.

with rescored as (

    select event_hour from {{ ref('int_anomaly_hours_rescored') }}

),

final as (

    select
        min(event_hour) - interval {{ var('anomaly_baseline_hours') }} hour as since,
        max(event_hour) as until
    from rescored

)

select * from final
