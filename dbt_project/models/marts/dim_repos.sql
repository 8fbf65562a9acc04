-- One row per repository ever seen, from the hourly facts and the repo/actor pairs for the
-- distinct-actor count. Merged by key: an incremental run recomputes only the repositories with
-- events in the recomputed hours (macros/merge_by_key.sql).
{{ incremental_by_key('repo_id') }}
-- depends_on: {{ ref('int_events_aggregated_to_repo_actor_hours') }}

with
{% if is_incremental() %}
scope as (

    {{ recomputed_keys(ref('int_events_aggregated_to_repo_actor_hours'), 'repo_id') }}
),
{% endif %}

repo_hours as (

    select * from {{ ref('fct_repo_activity_hourly') }}
    {{ only_keys_in('scope', 'repo_id') }}

),

repo_actors as (

    select * from {{ ref('int_repo_actors_collected') }}
    {{ only_keys_in('scope', 'repo_id') }}

),

totals as (

    select
        repo_id,
        arg_max(repo_name, last_event_at) as repo_name,
        arg_max(org_id, last_event_at) as org_id,
        arg_max(org_login, last_event_at) as org_login,
        min(first_event_at) as first_seen,
        max(last_event_at) as last_seen,
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
