-- How complete the lake is, per hour and source. Gaps are the hours between a source's first and
-- last hour with no events. The type mix is compared with a trailing baseline that can never
-- drop below a reference share, so a feed that lost its WatchEvents for weeks (the 2025 public
-- firehose) keeps saying star_coverage = 'low' instead of reporting zero stars as a fact.
-- Rebuilt each run: one row per source and hour.
with type_counts as (

    select * from {{ ref('int_events_aggregated_to_source_hours') }}

),

hourly as (

    select
        event_hour,
        source,
        sum(events) as events,
        coalesce(sum(events) filter (where event_type = 'WatchEvent'), 0) as watch_events,
        coalesce(sum(events) filter (where event_type = 'PullRequestEvent'), 0) as pr_events,
        '{' || string_agg(to_json(event_type) || ':' || events, ',' order by event_type) || '}'
            as events_by_type
    from type_counts
    group by event_hour, source

),

bounds as (

    select source, min(event_hour) as first_hour, max(event_hour) as last_hour
    from hourly
    group by source

),

spine as (

    select
        source,
        unnest(generate_series(first_hour, last_hour, interval 1 hour)) as event_hour
    from bounds

),

filled as (

    select
        spine.event_hour,
        spine.source,
        coalesce(hourly.events, 0) as events,
        coalesce(hourly.events_by_type, '{}') as events_by_type,
        coalesce(hourly.watch_events, 0) as watch_events,
        coalesce(hourly.pr_events, 0) as pr_events,
        hourly.event_hour is null as is_gap,
        hourly.watch_events / nullif(hourly.events, 0) as watch_share,
        hourly.pr_events / nullif(hourly.events, 0) as pr_share
    from spine
    left join hourly using (source, event_hour)

),

with_trailing as (

    select
        *,
        -- medians ignore NULLs, so gap hours (NULL shares) never enter a baseline
        median(watch_share) over w as trailing_watch_share,
        median(pr_share) over w as trailing_pr_share,
        median(case when not is_gap then events end) over w as baseline_events,
        count(case when not is_gap then 1 end) over w as baseline_hours
    from filled
    window w as (
        partition by source
        order by event_hour
        range between interval {{ var('coverage_baseline_hours') }} hour preceding
            and interval 1 hour preceding
    )

),

baselines as (

    select
        *,
        greatest(coalesce(trailing_watch_share, 0), {{ var('coverage_reference_watch_share') }})
            as baseline_watch_share,
        greatest(coalesce(trailing_pr_share, 0), {{ var('coverage_reference_pr_share') }})
            as baseline_pr_share
    from with_trailing

),

flagged as (

    select
        *,
        case
            when is_gap then 'missing'
            when baseline_hours > 0
                and events < {{ var('coverage_low_events_ratio') }} * baseline_events then 'low'
            else 'ok'
        end as coverage,
        {{ share_coverage('watch_share', 'baseline_watch_share') }} as star_coverage,
        {{ share_coverage('pr_share', 'baseline_pr_share') }} as pr_coverage,
        events * baseline_watch_share < {{ var('coverage_min_expected') }} as too_few_to_judge
    from baselines

),

final as (

    select
        event_hour,
        cast(event_hour as date) as event_date,
        source,
        events,
        events_by_type,
        watch_events,
        watch_share,
        baseline_watch_share,
        pr_events,
        pr_share,
        baseline_pr_share,
        baseline_events,
        baseline_hours,
        is_gap,
        coverage,
        star_coverage,
        pr_coverage,
        case
            when is_gap then format('gap: no {} events in this hour', source)
            else nullif(concat_ws('; ',
                case when coverage = 'low' then format(
                    'only {} events vs trailing median {}', events, baseline_events::bigint
                ) end,
                case when star_coverage = 'low' then format(
                    'watch share {:.2f}% vs baseline {:.2f}%: star counts undercount',
                    100 * watch_share, 100 * baseline_watch_share
                ) end,
                case when pr_coverage = 'low' then format(
                    'PR share {:.2f}% vs baseline {:.2f}%: PR counts undercount',
                    100 * pr_share, 100 * baseline_pr_share
                ) end,
                case when too_few_to_judge then 'too few events to judge the type mix' end
            ), '')
        end as note
    from flagged

)

select * from final
