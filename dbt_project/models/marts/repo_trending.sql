-- Trending repositories for the windows 1h, 24h, 7d and 30d ending at the as-of hour (newest hour
-- in the lake, or var as_of). The score is macros/trending_scores.sql (docs/metrics.md), the same
-- rule repo_trending_history keeps per hour. Rebuilt each run from the last two 30-day windows only.
with activity as (

    select * from {{ ref('int_events_aggregated_to_repo_actor_hours') }}

),

coverage as (

    select * from {{ ref('data_coverage') }}

),

as_of as (

    select
    {%- if var('as_of') %}
        date_trunc('hour', timestamptz '{{ var("as_of") }}') as as_of
    {%- else %}
        max(event_hour) as as_of from activity
    {%- endif %}

),

{{ trending_scores('activity', 'coverage', 'as_of') }},

final as (

    select * from trending_scored

)

select * from final
