-- The covered hours an anomalies run scores: every covered hour on a full build; on an incremental
-- run each touched hour and the anomaly_baseline_hours after it (their baselines changed too).

with covered_hours as (

    select event_hour from {{ ref('int_hours_covered') }}

),

final as (

    select event_hour
    from covered_hours
    {% if is_incremental_run_of('anomalies') %}
    where {{ recompute_filter({'grain': 'horizon', 'column': 'event_hour'}) }}
    {% endif %}

)

select * from final
