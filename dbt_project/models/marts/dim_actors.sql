-- One row per actor ever seen: the merged lifetime totals (int_actors_collected) plus two
-- StarScout-style account signals, so the API and the agents share one rule: is_low_activity
-- (every event on one day, at most low_activity_max_events events, at most one repository) and
-- actor_id_percentile, the rank of the account id among all actors seen -- ids grow with account
-- creation, so it is an account-age proxy, not an age. The percentile moves for every actor when
-- a new one arrives, so this table is rebuilt each run; it reads one row per actor, not history.
with actors as (

    select * from {{ ref('int_actors_collected') }}

),

final as (

    select
        actor_id,
        login,
        is_bot,
        first_seen,
        last_seen,
        events,
        repos,
        active_days,
        active_days = 1
            and events <= {{ var('low_activity_max_events') }}
            and repos <= 1 as is_low_activity,
        round(percent_rank() over (order by actor_id), 4) as actor_id_percentile
    from actors

)

select * from final
