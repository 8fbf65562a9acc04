-- Trending history: the ranking of each scored hour, as of that hour, by the same rule as
-- repo_trending (macros/trending_scores.sql). Incremental: a run scores only the touched hours
-- (at most the newest trending_history_max_hours of them) and keeps every other hour's rows, so
-- its cost follows the new hours, not the history. An hour's ranking is rescored when that hour
-- gains events; a late event does not rescore the later hours whose windows contain it.
{% set recompute = incremental_by_recompute('hour', 'as_of', 'event_date') %}

with covered_hours as (

    select event_hour from {{ ref('int_hours_covered') }}

),

scored_hours as (

    -- at most the newest trending_history_max_hours of the hours to score: a bulk backfill or a
    -- full refresh costs that many rankings, not one per hour of history
    select event_hour as as_of
    from covered_hours
    where true
    {%- if var('as_of') %}
        and event_hour <= date_trunc('hour', timestamptz '{{ var("as_of") }}')
    {%- endif %}
    {%- if is_incremental() %}
        and {{ recompute_filter({'grain': 'hour', 'column': 'event_hour'}) }}
    {%- endif %}
    order by event_hour desc
    limit {{ var('trending_history_max_hours') }}

),

{{ trending_scores(ref('int_events_aggregated_to_repo_actor_hours'), ref('int_repo_actors_collected'), ref('data_coverage'), 'scored_hours') }},

final as (

    select
        cast(as_of as date) as event_date,
        *
    from trending_scored

)

select * from final
