-- Robust z-score spikes: candidates with at least anomaly_min_baseline_hours covered baseline
-- hours whose (observed - baseline) / spread reaches anomaly_min_score.

with baselines as (

    select * from {{ ref('int_anomaly_baselines') }}
    where baseline_hours >= {{ var('anomaly_min_baseline_hours') }}

),

final as (

    select
        *,
        round((observed - baseline) / spread, 4) as score,
        'robust_z_median_mad' as method
    from baselines
    where (observed - baseline) / spread >= {{ var('anomaly_min_score') }}

)

select * from final
