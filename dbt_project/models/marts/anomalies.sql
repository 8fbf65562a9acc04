-- Spikes per repository / organisation and metric against a trailing baseline (median and MAD of
-- the covered hours in the last anomaly_baseline_hours; hours without a row count as 0), plus
-- star bursts dominated by low-activity accounts. Incremental: a late event for hour h changes
-- the baselines of the following hours, so a run rescores every hour in [h, h + baseline].
{% set recompute = incremental_by_recompute('horizon', 'event_hour') %}
{%- set baseline_hours = var('anomaly_baseline_hours') %}

with repo_hours as (

    select * from {{ ref('fct_repo_activity_hourly') }}

),

org_hours as (

    select * from {{ ref('int_events_aggregated_to_org_hours') }}

),

activity as (

    select * from {{ ref('int_events_aggregated_to_repo_actor_hours') }}

),

covered_hours as (

    select event_hour from {{ ref('int_hours_covered') }}

),

target_hours as (

    select event_hour
    from covered_hours
    {% if is_incremental() %}
    where {{ recompute_filter(recompute) }}
    {% endif %}

),

horizon as (

    select
        min(event_hour) - interval {{ baseline_hours }} hour as since,
        max(event_hour) as until
    from target_hours

),

candidates as (

    -- scored: only entity-hours of the rescored hours with at least the minimum volume
    {{ anomaly_metric_series('target', 'repo_hours', 'org_hours', within='target_hours') }}

),

series as (

    -- their history over the baseline window (the candidates themselves included)
    {{ anomaly_metric_series('history', 'repo_hours', 'org_hours', within='horizon', candidates='candidates') }}

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
        and covered.event_hour >= candidates.event_hour - interval {{ baseline_hours }} hour
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

spikes as (

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
    where medians.baseline_hours >= {{ var('anomaly_min_baseline_hours') }}

),

spikes_scored as (

    select
        *,
        round((observed - baseline) / spread, 4) as score,
        'robust_z_median_mad' as method
    from spikes
    where (observed - baseline) / spread >= {{ var('anomaly_min_score') }}

),

star_spikes as (

    select * from spikes_scored
    where entity_type = 'repo' and metric = 'stars'

),

stargazers as (

    select distinct activity.event_hour, activity.repo_id, activity.actor_id
    from activity
    cross join horizon
    inner join target_hours using (event_hour)
    where activity.stars > 0
        and activity.event_hour between horizon.since and horizon.until

),

stargazer_history as (

    -- what each stargazer did anywhere in the lake during the trailing window up to that hour
    select
        stargazers.event_hour,
        stargazers.actor_id,
        sum(history.events) as events,
        sum(history.stars) as stars
    from (select distinct event_hour, actor_id from stargazers) as stargazers
    cross join horizon
    inner join activity as history
        on history.actor_id = stargazers.actor_id
        and history.event_hour <= stargazers.event_hour
        and history.event_hour >= stargazers.event_hour - interval {{ baseline_hours }} hour
    -- bounds the scan to the rescored window, not the whole history
    where history.event_hour between horizon.since and horizon.until
    group by stargazers.event_hour, stargazers.actor_id

),

stargazers_classified as (

    select
        stargazers.*,
        stargazer_history.events = stargazer_history.stars as is_low_activity
    from stargazers
    inner join stargazer_history using (event_hour, actor_id)

),

hour_low_activity_share as (

    select event_hour, avg(cast(is_low_activity as double)) as share
    from stargazers_classified
    group by event_hour

),

repo_low_activity as (

    select
        event_hour,
        repo_id,
        count(*) as stargazers,
        count(*) filter (where is_low_activity) as low_activity
    from stargazers_classified
    group by event_hour, repo_id

),

star_bursts as (

    select
        'repo' as entity_type,
        star_spikes.entity_id,
        star_spikes.entity,
        'low_activity_stars' as metric,
        star_spikes.event_hour,
        cast(repo_low_activity.low_activity as double) as observed,
        repo_low_activity.stargazers * hour_low_activity_share.share as baseline,
        star_spikes.baseline_hours,
        greatest(
            sqrt(repo_low_activity.stargazers * hour_low_activity_share.share
                * (1 - hour_low_activity_share.share)),
            1.0
        ) as spread,
        star_spikes.score as star_score,
        repo_low_activity.stargazers,
        hour_low_activity_share.share as hour_share
    from star_spikes
    inner join repo_low_activity
        on repo_low_activity.repo_id = star_spikes.entity_id
        and repo_low_activity.event_hour = star_spikes.event_hour
    inner join hour_low_activity_share on hour_low_activity_share.event_hour = star_spikes.event_hour
    where repo_low_activity.low_activity >= {{ var('low_activity_min_share') }} * repo_low_activity.stargazers
        and repo_low_activity.low_activity
            >= (hour_low_activity_share.share + {{ var('low_activity_min_excess') }})
            * repo_low_activity.stargazers

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
            cast(observed as bigint), stargazers, 100 * observed / stargazers, {{ baseline_hours }},
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
