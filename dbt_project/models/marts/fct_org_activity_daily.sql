-- Activity per organisation and UTC day. Incremental: a run replaces the days of touched hours.

with activity as (

    {{ recomputed_rows(ref('int_events_aggregated_to_repo_actor_hours'), incremental_by_recompute('day', 'event_date'), where='org_id is not null') }}

),

final as (

    select
        org_id,
        arg_max(org_login, last_event_at) as org_login,
        event_date,
        {{ sum_counts(['events']) }},
        count(distinct repo_id) as repos,
        count(distinct actor_id) as actors,
        {{ sum_counts(['pushes', 'stars', 'forks', 'prs_opened', 'prs_merged', 'issues_opened']) }},
        min(first_event_at) as first_event_at,
        max(last_event_at) as last_event_at
    from activity
    group by org_id, event_date

)

select * from final
