-- One row per silver event with only the columns gold uses. A view: downstream incremental
-- models filter it on event_date/event_hour and DuckDB pushes those filters into the Delta scan.
-- The recompute spec scopes its data tests to the recomputed hours (macros/get_where_subquery.sql),
-- so a minute tests its hour's event ids, not all of silver: an event's id fixes its created_at,
-- so a duplicate always shares an hour with the new row that made it.
{{ config(recompute={'grain': 'hour', 'column': 'event_hour', 'date_column': 'event_date'}) }}
with source as (

    select * from {{ source('silver', 'github_events') }}

),

final as (

    select
        event_id,
        event_type,
        category,
        action,
        actor_id,
        actor_login,
        coalesce(is_bot, false) as is_bot,
        repo_id,
        repo_name,
        repo_owner,
        org_id,
        org_login,
        created_at,
        event_hour,
        event_date,
        commit_count,
        merged,
        source
    from source

)

select * from final
