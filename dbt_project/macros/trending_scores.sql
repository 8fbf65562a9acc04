{#-
  The trending score (docs/metrics.md#repo_trending) of every hour in `as_of_hours` (a relation
  or CTE with one column `as_of`): the top repositories per window (1h, 24h, 7d, 30d) ending at
  that hour, from the relations `activity` (int_events_aggregated_to_repo_actor_hours),
  `pairs` (int_repo_actors_collected: only to skip early the repositories no window can rank) and
  `coverage` (data_coverage). One rule for repo_trending (the newest hour) and repo_trending_history
  (every scored hour). Counts people, not events: distinct non-bot stargazers and forkers, plus
  contributor activity capped per actor, all weighted by recency. Expands to CTEs ending in
  `trending_scored`; the caller selects from it.
-#}
{% macro trending_scores(activity, pairs, coverage, as_of_hours) %}
windows as (

    select * from (
        values ('1h', 1), ('24h', 24), ('7d', 168), ('30d', 720)
    ) as w (window_name, window_hours)

),

candidate_repos as (

    -- a superset of the repositories a window can rank, from one row per (repo, actor) pair
    -- instead of one per hour: trending_min_actors people whose latest event on the repository
    -- is younger than the widest window (an actor active in that window has last_seen inside it).
    -- The hourly rows are then joined by repository, not by a range over every hour.
    select as_of.as_of, pairs.repo_id
    from {{ pairs }} as pairs
    inner join {{ as_of_hours }} as as_of
        on pairs.last_seen > as_of.as_of - (select max(window_hours) from windows) * interval 1 hour
    group by as_of.as_of, pairs.repo_id
    having count(*) >= {{ var('trending_min_actors') }}

),

recent as (

    select
        activity.*,
        as_of.as_of,
        -- both are whole UTC hours: epoch arithmetic, not date_diff on TIMESTAMPTZ (ICU calendar
        -- math, half of this model's CPU at 7 d of history)
        cast((epoch(as_of.as_of) - epoch(activity.event_hour)) // 3600 as integer) as age_hours
    from {{ activity }} as activity
    inner join candidate_repos as as_of
        on activity.repo_id = as_of.repo_id
        and activity.event_hour <= as_of.as_of
        and activity.event_hour > as_of.as_of - interval 1440 hour
    where not activity.is_bot

),

scorable as (

    -- a repository is scored only with trending_min_actors people in the window, and the windows
    -- nest: one with fewer in the widest window is never ranked, so its rows go no further (most
    -- repositories of an hour have one or two people)
    select recent.*
    from recent
    semi join (
        select as_of, repo_id
        from recent
        where age_hours < (select max(window_hours) from windows)
        group by as_of, repo_id
        having count(distinct actor_id) >= {{ var('trending_min_actors') }}
    ) as wide using (as_of, repo_id)

),

actor_windows as (

    select
        windows.window_name,
        windows.window_hours,
        recent.as_of,
        recent.repo_id,
        recent.actor_id,
        recent.age_hours < windows.window_hours as in_window,
        -- recency weight: halves every half window, 1.0 for the as-of hour
        power(0.5, recent.age_hours / (windows.window_hours / 2.0)) as recency,
        recent.stars,
        recent.forks,
        recent.events - recent.stars - recent.forks as other_events
    from scorable as recent
    inner join windows on recent.age_hours < 2 * windows.window_hours

),

per_actor as (

    select
        window_name,
        window_hours,
        as_of,
        repo_id,
        actor_id,
        bool_or(in_window and stars > 0) as starred,
        bool_or(in_window and forks > 0) as forked,
        bool_or(in_window and other_events > 0) as contributed,
        bool_or(in_window) as active,
        bool_or(not in_window and stars > 0) as starred_before,
        sum(stars) filter (where in_window) as star_events,
        sum(forks) filter (where in_window) as fork_events,
        -- one star/fork per person counts, at the weight of the latest one
        max(recency) filter (where in_window and stars > 0) as star_weight,
        max(recency) filter (where in_window and forks > 0) as fork_weight,
        least(
            coalesce(sum(other_events * recency) filter (where in_window), 0),
            {{ var('trending_activity_cap') }}
        ) as activity_weight
    from actor_windows
    group by window_name, window_hours, as_of, repo_id, actor_id

),

per_repo as (

    select
        window_name,
        window_hours,
        as_of,
        repo_id,
        coalesce(sum(star_events), 0) as stars,
        coalesce(sum(fork_events), 0) as forks,
        count(*) filter (where starred) as stargazers,
        count(*) filter (where forked) as forkers,
        count(*) filter (where contributed) as contributors,
        count(*) filter (where active) as actors,
        count(*) filter (where starred_before) as prev_window_stars,
        {{ var('trending_star_weight') }} * coalesce(sum(star_weight), 0) as star_component,
        {{ var('trending_fork_weight') }} * coalesce(sum(fork_weight), 0) as fork_component,
        {{ var('trending_activity_weight') }} * sum(activity_weight) as activity_component
    from per_actor
    group by window_name, window_hours, as_of, repo_id

),

repo_names as (

    select as_of, repo_id, arg_max(repo_name, last_event_at) as repo_name
    from scorable
    group by as_of, repo_id

),

window_coverage as (

    select
        windows.window_name,
        as_of.as_of,
        count(distinct coverage.event_hour) filter (
            where not coverage.is_gap and coverage.event_hour > as_of.as_of - windows.window_hours * interval 1 hour
        ) as hours_covered,
        count(distinct coverage.event_hour) filter (
            where not coverage.is_gap and coverage.event_hour <= as_of.as_of - windows.window_hours * interval 1 hour
        ) as prev_hours_covered,
        count(*) filter (
            where coverage.star_coverage = 'low'
                and coverage.event_hour > as_of.as_of - windows.window_hours * interval 1 hour
        ) as star_low_hours
    from windows
    cross join {{ as_of_hours }} as as_of
    inner join {{ coverage }} as coverage
        on coverage.event_hour <= as_of.as_of
        and coverage.event_hour > as_of.as_of - 2 * windows.window_hours * interval 1 hour
    group by windows.window_name, as_of.as_of

),

scored as (

    select
        window_name,
        window_hours,
        as_of,
        repo_id,
        stars,
        forks,
        stargazers,
        forkers,
        contributors,
        actors,
        prev_window_stars,
        round(star_component, 4) as star_component,
        round(fork_component, 4) as fork_component,
        round(activity_component, 4) as activity_component,
        -- the sum of the rounded components, so the explanation adds up
        round(round(star_component, 4) + round(fork_component, 4) + round(activity_component, 4), 4)
            as score,
        stargazers / window_hours as velocity_per_hour,
        (stargazers - prev_window_stars) / window_hours as velocity_change
    from per_repo
    where actors >= {{ var('trending_min_actors') }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by as_of, window_name order by score desc, stargazers desc, repo_id
        ) as rank
    from scored
    where score >= {{ var('trending_min_score') }}

),

trending_scored as (

    select
        ranked.window_name as "window",
        ranked.as_of,
        ranked.rank,
        ranked.repo_id,
        repo_names.repo_name,
        ranked.score,
        ranked.stars,
        ranked.forks,
        ranked.stargazers,
        ranked.contributors,
        ranked.star_component,
        ranked.fork_component,
        ranked.activity_component,
        ranked.velocity_per_hour,
        ranked.prev_window_stars,
        ranked.velocity_change,
        ranked.forkers,
        ranked.actors,
        coalesce(window_coverage.hours_covered, 0) as hours_covered,
        coalesce(window_coverage.prev_hours_covered, 0) as prev_window_hours_covered,
        case when window_coverage.star_low_hours > 0 then 'low' else 'ok' end as star_coverage,
        format(
            '{} stargazers, {} forkers, {} contributors: score {:.2f} = stars {:.2f} + forks {:.2f}'
            || ' + activity {:.2f}; {:+d} stargazers vs the previous {}{}',
            ranked.stargazers, ranked.forkers, ranked.contributors, ranked.score,
            ranked.star_component, ranked.fork_component, ranked.activity_component,
            ranked.stargazers - ranked.prev_window_stars, ranked.window_name,
            case
                when coalesce(window_coverage.prev_hours_covered, 0) = 0
                    then ' (not in the lake)'
                else ''
            end
            || case
                when window_coverage.star_low_hours > 0
                    then '; low star coverage: star counts undercount'
                else ''
            end
        ) as explanation
    from ranked
    left join repo_names using (as_of, repo_id)
    left join window_coverage using (as_of, window_name)
    where ranked.rank <= {{ var('trending_top_n') }}

)
{% endmacro %}
