-- One row per organisation ever seen. repos/actors count the repositories whose latest known
-- organisation is this one and the distinct actors seen on them.
with org_days as (

    select * from {{ ref('fct_org_activity_daily') }}

),

repos as (

    select * from {{ ref('dim_repos') }}

),

repo_actors as (

    select * from {{ ref('int_repo_actors_collected') }}

),

totals as (

    select
        org_id,
        arg_max(org_login, last_event_at) as org_login,
        min(first_event_at) as first_seen,
        max(last_event_at) as last_seen,
        sum(events) as events,
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
