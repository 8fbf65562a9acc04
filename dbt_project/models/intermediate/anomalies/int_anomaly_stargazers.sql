-- Who starred which repository in a rescored hour, and whether that account is low-activity: in
-- the trailing anomaly_baseline_hours up to that hour it did nothing anywhere but star.

with activity as (

    select * from {{ ref('int_events_aggregated_to_repo_actor_hours') }}

),

rescored as (

    select event_hour from {{ ref('int_anomaly_hours_rescored') }}

),

baseline_window as (

    select * from {{ ref('int_anomaly_baseline_window') }}

),

stargazers as (

    select distinct activity.event_hour, activity.repo_id, activity.actor_id
    from activity
    cross join baseline_window
    inner join rescored using (event_hour)
    where activity.stars > 0
        and activity.event_hour between baseline_window.since and baseline_window.until
        {{ scan_span_filter('activity.event_hour', anomaly_scan_span('target')) }}

),

stargazer_history as (

    -- what each stargazer did anywhere in the lake during the trailing window up to that hour
    select
        stargazers.event_hour,
        stargazers.actor_id,
        sum(history.events) as events,
        sum(history.stars) as stars
    from (select distinct event_hour, actor_id from stargazers) as stargazers
    cross join baseline_window
    inner join activity as history
        on history.actor_id = stargazers.actor_id
        and history.event_hour <= stargazers.event_hour
        and history.event_hour >= stargazers.event_hour - interval {{ var('anomaly_baseline_hours') }} hour
    -- bounds the scan to the rescored window, not the whole history
    where history.event_hour between baseline_window.since and baseline_window.until
        {{ scan_span_filter('history.event_hour', anomaly_scan_span('history')) }}
    group by stargazers.event_hour, stargazers.actor_id

),

final as (

    select
        stargazers.*,
        stargazer_history.events = stargazer_history.stars as is_low_activity
    from stargazers
    inner join stargazer_history using (event_hour, actor_id)

)

select * from final
