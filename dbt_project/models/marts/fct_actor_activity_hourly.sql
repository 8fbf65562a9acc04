-- Activity per actor and UTC hour. Incremental: a run replaces the touched hours.
-- The API's window queries (top actors over 1h/24h/7d edges) read it; fct_actor_activity_daily
-- applies the same counters per day.

with activity as (

    {{ recomputed_rows(ref('int_events_aggregated_to_repo_actor_hours'), incremental_by_recompute('hour', 'event_hour', 'event_date')) }}

),

final as (

    select
        event_hour,
        min(event_date) as event_date,
        actor_id,
        arg_max(actor_login, last_event_at) as actor_login,
        bool_or(is_bot) as is_bot,
        {{ actor_activity_counts() }}
    from activity
    group by event_hour, actor_id

)

select * from final
