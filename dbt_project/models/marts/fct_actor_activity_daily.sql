-- Activity per actor and UTC day. Incremental: a run replaces the days of touched hours.
{% set recompute = incremental_by_recompute('day', 'event_date') %}

with activity as (

    select * from {{ ref('int_events_aggregated_to_repo_actor_hours') }}
    {% if is_incremental() %}
    where {{ recompute_filter(recompute) }}
    {% endif %}

),

final as (

    select
        actor_id,
        arg_max(actor_login, last_event_at) as actor_login,
        bool_or(is_bot) as is_bot,
        event_date,
        sum(events) as events,
        sum(pushes) as pushes,
        sum(commits) as commits,
        sum(prs_opened) as prs_opened,
        sum(prs_merged) as prs_merged,
        sum(reviews) as reviews,
        sum(comments) as comments,
        sum(issues_opened) as issues_opened,
        count(distinct repo_id) as repos,
        sum(stars) as stars,
        sum(forks) as forks,
        min(first_event_at) as first_event_at,
        max(last_event_at) as last_event_at
    from activity
    group by actor_id, event_date

)

select * from final
