-- Every (repo, actor) pair the lake has seen, with first/last event time. Distinct-actor counts
-- over all history (dim_repos.actors, dim_actors.repos, dim_orgs.actors) come from here. min/max
-- are idempotent, so recomputing an hour just merges its pairs into the existing rows.
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['repo_id', 'actor_id'],
    )
}}

with activity as (

    select * from {{ ref('int_events_aggregated_to_repo_actor_hours') }}
    {% if is_incremental() %}
    where {{ recompute_filter({'grain': 'hour', 'column': 'event_hour', 'date_column': 'event_date'}) }}
    {% endif %}

),

new_pairs as (

    select
        repo_id,
        actor_id,
        min(first_event_at) as first_seen,
        max(last_event_at) as last_seen
    from activity
    group by repo_id, actor_id

),

{% if is_incremental() %}
known_pairs as (

    select existing.repo_id, existing.actor_id, existing.first_seen, existing.last_seen
    from {{ this }} as existing
    semi join new_pairs using (repo_id, actor_id)

),
{% endif %}

merged as (

    select * from new_pairs
    {% if is_incremental() %}
    union all
    select * from known_pairs
    {% endif %}

),

final as (

    select
        repo_id,
        actor_id,
        min(first_seen) as first_seen,
        max(last_seen) as last_seen
    from merged
    group by repo_id, actor_id

)

select * from final
