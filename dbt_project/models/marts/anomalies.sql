-- Spikes per repository / organisation and metric against a trailing baseline (median and MAD of
-- the covered hours in the last anomaly_baseline_hours; hours without a row count as 0), plus
-- star bursts dominated by low-activity accounts. The pieces are the int_anomaly_* models
-- (docs/gold.md); this model joins them and grades severity. Incremental: a late event for hour h
-- changes the baselines of the following hours, so a run rescores every hour in [h, h + baseline]
-- (int_anomaly_hours_rescored applies the same recompute spec).
{% set recompute = incremental_by_recompute('horizon', 'event_hour') %}

with spikes_scored as (

    select * from {{ ref('int_anomaly_spikes') }}

),

star_bursts as (

    select * from {{ ref('int_anomaly_star_bursts') }}

),

unioned as (

    select
        entity_type, entity_id, entity, metric, event_hour, observed, baseline, spread, score,
        method, baseline_hours,
        format(
            '{} {} in the hour vs a median of {} over {} covered trailing hours'
            || ' (spread {:.1f}): robust z {:.1f}',
            cast(observed as bigint), metric, baseline, baseline_hours, spread, score
        ) as explanation,
        score as severity_score
    from spikes_scored

    union all

    select
        entity_type, entity_id, entity, metric, event_hour, observed, baseline, spread,
        round((observed - baseline) / spread, 4) as score,
        'low_activity_share' as method,
        baseline_hours,
        format(
            '{} of {} stargazers ({:.0f}%) did nothing but star during the trailing {} hours'
            || ' vs {:.0f}% of all stargazers that hour; star spike robust z {:.1f}',
            cast(observed as bigint), stargazers, 100 * observed / stargazers, {{ var('anomaly_baseline_hours') }},
            100 * hour_share, star_score
        ) as explanation,
        -- how alarming a burst is follows the size of the star spike it belongs to
        star_score as severity_score
    from star_bursts

),

final as (

    select
        entity_type,
        entity,
        metric,
        event_hour,
        observed,
        round(baseline, 4) as baseline,
        round(spread, 4) as spread,
        score,
        method,
        -- a baseline of a few covered hours says little: such rows stay "low" whatever the score
        case
            when baseline_hours < {{ var('anomaly_min_severity_baseline_hours') }} then 'low'
            when severity_score >= {{ var('anomaly_high_score') }} then 'high'
            when severity_score >= {{ var('anomaly_medium_score') }} then 'medium'
            else 'low'
        end as severity,
        explanation || case
            when baseline_hours < {{ var('anomaly_min_severity_baseline_hours') }}
                then format(
                    '; severity capped at low: {} covered baseline hours, {} needed for medium/high',
                    baseline_hours, {{ var('anomaly_min_severity_baseline_hours') }}
                )
            else ''
        end as explanation,
        entity_id,
        cast(event_hour as date) as event_date,
        baseline_hours
    from unioned

)

select * from final
