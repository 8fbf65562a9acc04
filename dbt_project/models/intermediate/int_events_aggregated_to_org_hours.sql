-- Activity per (organisation, hour): the series org-level anomaly detection scores.

with activity as (

    {{ recomputed_rows(ref('int_events_aggregated_to_repo_actor_hours'), incremental_by_recompute('hour', 'event_hour', 'event_date'), where='org_id is not null') }}

),

final as (

    select
        org_id,
        event_hour,
        min(event_date) as event_date,
        arg_max(org_login, last_event_at) as org_login,
        {{ sum_counts(['events', 'pushes', 'stars', 'forks', 'prs_opened', 'issues_opened']) }},
        count(distinct repo_id) as repos,
        count(distinct actor_id) as actors
    from activity
    group by org_id, event_hour

)

select * from final
