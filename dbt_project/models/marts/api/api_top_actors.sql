-- Top actors per window (1h, 24h, 7d) as of each hour, ranked as /actors/top ranks them, so the
-- route reads a few ranked rows instead of summing every actor of the window per request.
-- Sums: whole UTC days inside the window from fct_actor_activity_daily, the hours at its edges
-- from fct_actor_activity_hourly, grouped by login (the route's rule, unchanged). Two rankings per
-- hour and window: with bots (include_bots) and without (their rows are left out before summing).
-- Each metric's rank (events, pushes, prs_opened, reviews; descending, then login; only actors
-- with a positive count) is kept for the top api_top_actors_top_n; a row stays when any rank does.
-- Incremental like anomalies: a late event for hour h changes the windows of the hours up to
-- h + 7d, so a run rescores every hour in [h, h + anomaly_baseline_hours]; at most the newest
-- api_top_actors_max_hours of them are scored, the others lose their rows (the route then sums
-- the marts itself, as it does for 30d, an org, or a limit above top_n).
{% set recompute = incremental_by_recompute('horizon', 'as_of') %}

{#- an incremental run reads only the activity the rescored windows can hold (a constant bound
    the scans prune by): from 7 days before the first touched hour -#}
{%- set touched = recompute_hours() if is_incremental() else [] %}
{%- set since = "timestamptz '" ~ touched[0] ~ "' - interval 167 hour" if touched else none %}

with hourly as (

    select * from {{ ref('fct_actor_activity_hourly') }}
    {%- if since %}
    where event_hour >= {{ since }}
    {%- endif %}

),

daily as (

    select * from {{ ref('fct_actor_activity_daily') }}
    {%- if since %}
    where event_date >= cast({{ since }} as date)
    {%- endif %}

),

covered_hours as (

    select event_hour from {{ ref('int_hours_covered') }}

),

scored_hours as (

    select event_hour as as_of
    from covered_hours
    {%- if is_incremental() %}
    where {{ recompute_filter({'grain': 'horizon', 'column': 'event_hour'}) }}
    {%- endif %}
    order by event_hour desc
    limit {{ var('api_top_actors_max_hours') }}

),

windows as (

    select * from (values ('1h', 1), ('24h', 24), ('7d', 168)) as w (window_name, window_hours)

),

spans as (

    -- the window's hours [first_hour, as_of] and the whole UTC days inside it (none when first_day > last_day)
    select
        as_of,
        window_name,
        first_hour,
        case when extract(hour from first_hour) = 0 then cast(first_hour as date)
             else cast(first_hour as date) + 1 end as first_day,
        case when extract(hour from as_of) = 23 then cast(as_of as date)
             else cast(as_of as date) - 1 end as last_day
    from (
        select as_of, window_name, as_of - (window_hours - 1) * interval 1 hour as first_hour
        from scored_hours cross join windows
    )

),

span_hours as (

    -- the hours of each window that are not inside one of its whole days (an equi-join key: a
    -- range join sorted the whole hourly mart)
    select as_of, window_name, unnest(generate_series(first_hour, as_of, interval 1 hour)) as event_hour,
           first_day, last_day
    from spans

),

span_days as (

    select as_of, window_name, unnest(generate_series(first_day, last_day, interval 1 day))::date as event_date
    from spans
    where first_day <= last_day

),

parts as (

    select span_hours.as_of, span_hours.window_name, hourly.actor_login, hourly.is_bot,
           hourly.events, hourly.pushes, hourly.commits, hourly.prs_opened, hourly.prs_merged,
           hourly.reviews, hourly.comments, hourly.issues_opened
    from span_hours
    inner join hourly
        on hourly.event_hour = span_hours.event_hour
    where span_hours.first_day > span_hours.last_day
        or not (cast(span_hours.event_hour as date) between span_hours.first_day and span_hours.last_day)

    union all

    select span_days.as_of, span_days.window_name, daily.actor_login, daily.is_bot,
           daily.events, daily.pushes, daily.commits, daily.prs_opened, daily.prs_merged,
           daily.reviews, daily.comments, daily.issues_opened
    from span_days
    inner join daily
        on daily.event_date = span_days.event_date

),

{%- set measures = ['events', 'pushes', 'commits', 'prs_opened', 'prs_merged', 'reviews', 'comments', 'issues_opened'] %}
{%- set human = 'not coalesce(is_bot, false)' %}

sums as (

    -- one pass for both rankings: every row, and the rows that are not a bot's
    select
        as_of,
        window_name,
        actor_login as login,
        coalesce(bool_or(is_bot), false) as is_bot,
        count(*) filter (where {{ human }}) as human_rows,
        {%- for m in measures %}
        cast(sum({{ m }}) as bigint) as {{ m }},
        cast(sum({{ m }}) filter (where {{ human }}) as bigint) as human_{{ m }}{{ ',' if not loop.last }}
        {%- endfor %}
    from parts
    group by as_of, window_name, actor_login

),

totals as (

    select as_of, window_name, true as include_bots, login, is_bot,
           {% for m in measures %}{{ m }}{{ ', ' if not loop.last }}{% endfor %}
    from sums

    union all

    select as_of, window_name, false as include_bots, login, false as is_bot,
           {% for m in measures %}human_{{ m }} as {{ m }}{{ ', ' if not loop.last }}{% endfor %}
    from sums
    where human_rows > 0

),

{%- set ranked_by = {'events': 'events', 'pushes': 'pushes', 'prs': 'prs_opened', 'reviews': 'reviews'} %}

ranked as (

    select
        totals.*,
        {%- for name, col in ranked_by.items() %}
        case when {{ col }} > 0 then row_number() over (
            partition by as_of, window_name, include_bots order by {{ col }} desc, login
        ) end as rank_{{ name }}{{ ',' if not loop.last }}
        {%- endfor %}
    from totals

),

final as (

    select
        cast(as_of as date) as event_date,
        as_of,
        window_name as "window",
        include_bots,
        login,
        is_bot,
        {%- for m in measures %}
        {{ m }},
        {%- endfor %}
        {%- for name in ranked_by %}
        case when rank_{{ name }} <= {{ var('api_top_actors_top_n') }} then rank_{{ name }} end as rank_{{ name }}{{ ',' if not loop.last }}
        {%- endfor %}
    from ranked
    where least(
        {%- for name in ranked_by %}
        coalesce(rank_{{ name }}, {{ var('api_top_actors_top_n') }} + 1){{ ',' if not loop.last }}
        {%- endfor %}
    ) <= {{ var('api_top_actors_top_n') }}

)

select * from final
