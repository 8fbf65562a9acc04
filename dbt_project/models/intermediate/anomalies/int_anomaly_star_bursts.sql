-- Star spikes dominated by low-activity accounts: a repo star spike whose low-activity stargazers
-- are at least low_activity_min_share of its stargazers and exceed the hour's overall
-- low-activity share by low_activity_min_excess. Scored against the binomial expectation.

with star_spikes as (

    select * from {{ ref('int_anomaly_spikes') }}
    where entity_type = 'repo' and metric = 'stars'

),

stargazers as (

    select * from {{ ref('int_anomaly_stargazers') }}

),

hour_low_activity_share as (

    select event_hour, avg(cast(is_low_activity as double)) as share
    from stargazers
    group by event_hour

),

repo_low_activity as (

    select
        event_hour,
        repo_id,
        count(*) as stargazers,
        count(*) filter (where is_low_activity) as low_activity
    from stargazers
    group by event_hour, repo_id

),

final as (

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

)

select * from final
