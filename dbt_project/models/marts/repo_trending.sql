-- Trending repositories for the windows 1h, 24h, 7d and 30d ending at the as-of hour (newest hour
-- in the lake, or var as_of). The score is macros/trending_scores.sql (docs/metrics.md), the same
-- rule repo_trending_history keeps per hour: when this run scored the as-of hour there (it was
-- touched, or a full refresh), its rows are copied instead of ranking the hour twice.
-- depends_on: {{ ref('repo_trending_history') }}
{%- set scored = none %}
{%- if execute %}
    {%- if var('as_of') %}
        {%- set newest = modules.datetime.datetime.fromisoformat(var('as_of') | replace('Z', '+00:00')) %}
        {%- set newest = newest.astimezone(modules.pytz.utc).strftime('%Y-%m-%d %H:00:00+00') %}
    {%- else %}
        {%- set found = run_query("select strftime(max(event_hour), '%Y-%m-%d %H:00:00+00') from " ~ ref('int_events_aggregated_to_repo_actor_hours')) %}
        {%- set newest = found.columns[0].values()[0] %}
    {%- endif %}
    {#- a pinned as_of may be an hour without events: the history scored it only if it was touched #}
    {%- if newest and (newest in recompute_hours() or (flags.FULL_REFRESH and not var('as_of'))) %}
        {%- set scored = newest %}
    {%- endif %}
{%- endif %}
{%- if scored %}
select * exclude (event_date)
from {{ ref('repo_trending_history') }}
where as_of = timestamptz '{{ scored }}'
{%- else %}
with as_of as (

    select
    {%- if var('as_of') %}
        date_trunc('hour', timestamptz '{{ var("as_of") }}') as as_of
    {%- else %}
        max(event_hour) as as_of from {{ ref('int_events_aggregated_to_repo_actor_hours') }}
    {%- endif %}

),

{{ trending_scores(ref('int_events_aggregated_to_repo_actor_hours'), ref('int_repo_actors_collected'), ref('data_coverage'), 'as_of') }},

final as (

    select * from trending_scored

)

select * from final
{%- endif %}
