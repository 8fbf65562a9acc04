-- Activity per actor and UTC day. Incremental: a run replaces the days of touched hours.

with activity as (

    {{ recomputed_rows(ref('int_events_aggregated_to_repo_actor_hours'), incremental_by_recompute('day', 'event_date')) }}

),

final as (

    select
        actor_id,
        arg_max(actor_login, last_event_at) as actor_login,
        bool_or(is_bot) as is_bot,
        event_date,
        {{ actor_activity_counts() }}
    from activity
    group by actor_id, event_date

)

select * from final
