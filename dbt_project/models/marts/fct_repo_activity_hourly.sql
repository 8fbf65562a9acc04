-- Activity per repository and hour. Incremental: a run replaces exactly the touched hours.

with activity as (

    {{ recomputed_rows(ref('int_events_aggregated_to_repo_actor_hours'), incremental_by_recompute('hour', 'event_hour', 'event_date')) }}

),

final as (

    select
        repo_id,
        {{ latest_repo_identity() }},
        event_hour,
        min(event_date) as event_date,
        {{ sum_counts([
            'events', 'pushes', 'commits', 'stars', 'forks', 'prs_opened', 'prs_merged', 'prs_closed',
            'issues_opened', 'issues_closed', 'comments', 'reviews', 'releases',
        ]) }},
        count(distinct actor_id) as distinct_actors,
        min(first_event_at) as first_event_at,
        max(last_event_at) as last_event_at
    from activity
    group by repo_id, event_hour

)

select * from final
