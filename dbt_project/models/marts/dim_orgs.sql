-- One row per organisation ever seen. repos/actors count the repositories whose latest known
-- organisation is this one and the distinct actors seen on them. Merged by key: an incremental
-- run recomputes the organisations with events in the recomputed hours plus every organisation a
-- touched repository ever belonged to (a transfer changes the old one's counts too).
-- depends_on: {{ ref('int_events_aggregated_to_org_hours') }}
-- depends_on: {{ ref('fct_repo_activity_hourly') }}

{%- set touched_orgs %}
    {{ recomputed_keys(ref('int_events_aggregated_to_org_hours'), 'org_id') }}
    union
    select distinct org_id
    from {{ ref('fct_repo_activity_hourly') }}
    where org_id is not null
        and repo_id in (
            {{ recomputed_keys(ref('int_events_aggregated_to_repo_actor_hours'), 'repo_id') }}
        )
{%- endset %}

with {{ key_merge_inputs('org_id', {'org_days': ref('fct_org_activity_daily')}, scope=touched_orgs) }}

repos as (

    select * from {{ ref('dim_repos') }}
    where org_id is not null
    {{ only_keys_in('scope', 'org_id', 'and') }}

),

repo_actors as (

    select * from {{ ref('int_repo_actors_collected') }}
    {{ only_keys_in('repos', 'repo_id') }}

),

totals as (

    select
        org_id,
        arg_max(org_login, last_event_at) as org_login,
        {{ lifetime_span() }},
        {{ sum_counts(['events']) }},
        count(*) as active_days
    from org_days
    group by org_id

),

org_repos as (

    select org_id, count(*) as repos
    from repos
    where org_id is not null
    group by org_id

),

org_actors as (

    select repos.org_id, count(distinct repo_actors.actor_id) as actors
    from repo_actors
    inner join repos using (repo_id)
    where repos.org_id is not null
    group by repos.org_id

),

final as (

    select
        totals.org_id,
        totals.org_login,
        totals.first_seen,
        totals.last_seen,
        totals.events,
        coalesce(org_repos.repos, 0) as repos,
        coalesce(org_actors.actors, 0) as actors,
        totals.active_days
    from totals
    left join org_repos using (org_id)
    left join org_actors using (org_id)

)

select * from final
