-- Entity-hours to score: per (repo | org, metric), the rescored hours where the metric reaches its
-- minimum volume (anomaly_min_volume / anomaly_org_min_volume).

with final as (

    {{ anomaly_metric_series(
        'target',
        ref('fct_repo_activity_hourly'),
        ref('int_events_aggregated_to_org_hours'),
        within=ref('int_anomaly_hours_rescored'),
    ) }}

)

select * from final
