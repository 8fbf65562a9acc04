-- One row per actor ever seen, rebuilt each run from the daily actor facts and the repo/actor
-- pairs (distinct repositories over all history). Two StarScout-style account signals live here so
-- the API and the agents share one rule: is_low_activity (every event on one day, at most
-- low_activity_max_events events, at most one repository) and actor_id_percentile, the rank of the
-- account id among all actors seen -- ids grow with account creation, so it is an account-age
-- proxy, not an age.
with actor_days as (

    select * from {{ ref('fct_actor_activity_daily') }}

),

repo_actors as (

    select * from {{ ref('int_repo_actors_collected') }}

),

totals as (

    select
        actor_id,
        arg_max(actor_login, last_event_at) as login,
        bool_or(is_bot) as is_bot,
        min(first_event_at) as first_seen,
        max(last_event_at) as last_seen,
        sum(events) as events,
        count(*) as active_days
    from actor_days
    group by actor_id

),

repo_counts as (

    select actor_id, count(*) as repos
    from repo_actors
    group by actor_id

),

final as (

    select
        totals.actor_id,
        totals.login,
        totals.is_bot,
        totals.first_seen,
        totals.last_seen,
        totals.events,
        coalesce(repo_counts.repos, 0) as repos,
        totals.active_days,
        totals.active_days = 1
            and totals.events <= {{ var('low_activity_max_events') }}
            and coalesce(repo_counts.repos, 0) <= 1 as is_low_activity,
        round(percent_rank() over (order by totals.actor_id), 4) as actor_id_percentile
    from totals
    left join repo_counts using (actor_id)

)

select * from final
