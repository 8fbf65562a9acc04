-- The workhorse of gold: one row per (event_hour, repo, actor) with the activity counters every
-- mart needs. Only this model (and the coverage counts) reads silver; an incremental run reads
-- just the touched hours, so its cost follows the new data, not the history.

with events as (

    {{ recomputed_rows(ref('stg_github__events'), incremental_by_recompute('hour', 'event_hour', 'event_date')) }}

),

aggregated as (

    select
        event_hour,
        repo_id,
        actor_id,
        -- names can change between events (renames); the newest one wins, ties by event_id
        arg_max(repo_name, (created_at, event_id)) as repo_name,
        arg_max(org_id, (created_at, event_id)) as org_id,
        arg_max(org_login, (created_at, event_id)) as org_login,
        arg_max(actor_login, (created_at, event_id)) as actor_login,
        bool_or(is_bot) as is_bot,
        min(event_date) as event_date,
        min(created_at) as first_event_at,
        max(created_at) as last_event_at,
        count(*) as events,
        count(*) filter (where event_type = 'PushEvent') as pushes,
        -- null-aware: NULL unless at least one push of the hour carried a size
        cast(sum(commit_count) filter (where event_type = 'PushEvent') as bigint) as commits,
        count(*) filter (where event_type = 'WatchEvent') as stars,
        count(*) filter (where event_type = 'ForkEvent') as forks,
        count(*) filter (where event_type = 'PullRequestEvent' and action = 'opened') as prs_opened,
        count(*) filter (
            where event_type = 'PullRequestEvent' and action = 'closed' and merged is true
        ) as prs_merged,
        count(*) filter (
            where event_type = 'PullRequestEvent' and action = 'closed' and merged is not true
        ) as prs_closed,
        count(*) filter (where event_type = 'IssuesEvent' and action = 'opened') as issues_opened,
        count(*) filter (where event_type = 'IssuesEvent' and action = 'closed') as issues_closed,
        count(*) filter (where category = 'comment') as comments,
        count(*) filter (where category = 'review') as reviews,
        count(*) filter (where event_type = 'ReleaseEvent') as releases
    from events
    group by event_hour, repo_id, actor_id

),

final as (

    select * from aggregated

)

select * from final
