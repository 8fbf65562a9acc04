-- One row per repository ever seen, from the hourly facts and the repo/actor pairs for the
-- distinct-actor count. Merged by key: an incremental run recomputes only the repositories with
-- events in the recomputed hours (macros/merge_by_key.sql).

with {{ key_merge_inputs('repo_id', {
    'repo_hours': ref('fct_repo_activity_hourly'),
    'repo_actors': ref('int_repo_actors_collected'),
}) }}

totals as (

    select
        repo_id,
        {{ latest_repo_identity() }},
        {{ lifetime_span() }},
        {{ sum_counts(['events', 'stars', 'forks', 'pushes', 'prs_opened', 'issues_opened']) }},
        count(*) as active_hours
    from repo_hours
    group by repo_id

),

actor_counts as (

    select repo_id, count(*) as actors
    from repo_actors
    group by repo_id

),

final as (

    select
        totals.repo_id,
        totals.repo_name,
        split_part(totals.repo_name, '/', 1) as owner,
        totals.org_id,
        totals.org_login,
        totals.first_seen,
        totals.last_seen,
        totals.events,
        totals.stars,
        totals.forks,
        totals.pushes,
        totals.prs_opened,
        totals.issues_opened,
        coalesce(actor_counts.actors, 0) as actors,
        totals.active_hours
    from totals
    left join actor_counts using (repo_id)

)

select * from final
