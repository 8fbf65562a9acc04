-- Lifetime totals per actor, from the daily actor facts and the repo/actor pairs (distinct
-- repositories over all history). Merged by key: an incremental run recomputes only the actors
-- with events in the recomputed hours (macros/merge_by_key.sql). dim_actors adds the signals that
-- compare an actor with all others.

with {{ key_merge_inputs('actor_id', {
    'actor_days': ref('fct_actor_activity_daily'),
    'repo_actors': ref('int_repo_actors_collected'),
}) }}

totals as (

    select
        actor_id,
        arg_max(actor_login, last_event_at) as login,
        bool_or(is_bot) as is_bot,
        {{ lifetime_span() }},
        {{ sum_counts(['events']) }},
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
        totals.active_days
    from totals
    left join repo_counts using (actor_id)

)

select * from final
