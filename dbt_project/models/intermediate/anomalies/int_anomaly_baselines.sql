-- Each candidate with its trailing baseline: the median and MAD of the metric over the covered
-- hours of the last anomaly_baseline_hours before it (a covered hour without a row counts as 0),
-- and the spread the score divides by.

with candidates as (

    select * from {{ ref('int_anomaly_candidates') }}

),

covered_hours as (

    select event_hour from {{ ref('int_hours_covered') }}

),

series as (

    -- the candidates' history over the baseline window (the candidates themselves included)
    {{ anomaly_metric_series(
        'history',
        ref('fct_repo_activity_hourly'),
        ref('int_events_aggregated_to_org_hours'),
        within=ref('int_anomaly_baseline_window'),
        candidates=ref('int_anomaly_candidates'),
    ) }}

),

baseline_values as (

    select
        candidates.entity_type,
        candidates.entity_id,
        candidates.metric,
        candidates.event_hour,
        coalesce(history.observed, 0) as value
    from candidates
    inner join covered_hours as covered
        on covered.event_hour < candidates.event_hour
        and covered.event_hour >= candidates.event_hour - interval {{ var('anomaly_baseline_hours') }} hour
    left join series as history
        on history.entity_type = candidates.entity_type
        and history.entity_id = candidates.entity_id
        and history.metric = candidates.metric
        and history.event_hour = covered.event_hour

),

medians as (

    select entity_type, entity_id, metric, event_hour, median(value) as baseline, count(*) as baseline_hours
    from baseline_values
    group by entity_type, entity_id, metric, event_hour

),

deviations as (

    select
        baseline_values.entity_type,
        baseline_values.entity_id,
        baseline_values.metric,
        baseline_values.event_hour,
        median(abs(baseline_values.value - medians.baseline)) as mad
    from baseline_values
    inner join medians using (entity_type, entity_id, metric, event_hour)
    group by all

),

final as (

    select
        candidates.entity_type,
        candidates.entity_id,
        candidates.entity,
        candidates.metric,
        candidates.event_hour,
        candidates.observed,
        medians.baseline,
        medians.baseline_hours,
        -- MAD scaled to a standard deviation, floored by Poisson noise sqrt(median) and 1 so an
        -- all-zero history does not turn the first few events into an infinite score
        greatest(1.4826 * deviations.mad, sqrt(medians.baseline), 1.0) as spread
    from candidates
    inner join medians using (entity_type, entity_id, metric, event_hour)
    inner join deviations using (entity_type, entity_id, metric, event_hour)

)

select * from final
