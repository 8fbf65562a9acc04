-- Activity per organisation, actor and UTC hour, over the events whose repository belonged to the
-- organisation at event time. Incremental: a run replaces the touched hours. The API's per-org
-- top actors and distinct actor counts for any window read it.

with activity as (

    {{ recomputed_rows(ref('int_events_aggregated_to_repo_actor_hours'), incremental_by_recompute('hour', 'event_hour', 'event_date'), where='org_id is not null') }}

),

final as (

    select
        event_hour,
        min(event_date) as event_date,
        org_id,
        arg_max(org_login, last_event_at) as org_login,
        actor_id,
        arg_max(actor_login, last_event_at) as actor_login,
        bool_or(is_bot) as is_bot,
        {{ actor_activity_counts() }}
    from activity
    group by event_hour, org_id, actor_id

)

select * from final
