-- NPS by scope and month (DESIGN §6): 100 x (promoters - detractors) / answers on the 0-10
-- scale, no answers -> NULL (not 0), with the adjusted Wald 95 % interval and a flag on
-- segments under 30 answers. Scopes roll up from counts: the whole company, each country,
-- region, branch and touchpoint. Follow-up surveys ("was it solved?") are about the case,
-- not the moment, and stay out, as they do in the live figures.
-- parameters: from_date, to_date (UTC dates 'YYYY-MM-DD', both included)
WITH copies AS (
    SELECT
        *,
        -- Streams deliver at least once: keep one row per response.
        row_number() OVER (PARTITION BY response_id ORDER BY submitted_at) AS copy
    FROM responses
    WHERE dt BETWEEN ? AND ?
),
answered AS (
    SELECT * FROM copies WHERE copy = 1 AND survey_id <> 'follow_up'
),
scoped AS (
    SELECT 'all' AS scope_level, 'all' AS scope, dt, nps FROM answered
    UNION ALL
    SELECT 'country', country, dt, nps FROM answered WHERE country IS NOT NULL
    UNION ALL
    SELECT 'region', region, dt, nps FROM answered WHERE region IS NOT NULL
    UNION ALL
    SELECT 'branch', branch, dt, nps FROM answered WHERE branch IS NOT NULL
    UNION ALL
    SELECT 'touchpoint', touchpoint, dt, nps FROM answered
),
counts AS (
    SELECT
        scope_level,
        scope,
        substr(dt, 1, 7) AS period,
        count(*) AS responses,
        count(nps) AS answers,
        sum(CASE WHEN nps >= 9 THEN 1 ELSE 0 END) AS promoters,
        sum(CASE WHEN nps BETWEEN 7 AND 8 THEN 1 ELSE 0 END) AS passives,
        sum(CASE WHEN nps <= 6 THEN 1 ELSE 0 END) AS detractors
    FROM scoped
    GROUP BY scope_level, scope, substr(dt, 1, 7)
),
adjusted AS (
    SELECT
        *,
        -- Adjusted Wald: n' = n + 3, p' = (P + 0.75) / n', d' = (D + 0.75) / n'.
        CAST(promoters + 0.75 AS DOUBLE) / (answers + 3) AS p_adj,
        CAST(detractors + 0.75 AS DOUBLE) / (answers + 3) AS d_adj
    FROM counts
)
SELECT
    scope_level,
    scope,
    period,
    responses,
    answers,
    promoters,
    passives,
    detractors,
    CASE WHEN answers > 0 THEN round(100 * CAST(promoters - detractors AS DOUBLE) / answers, 1) END AS nps,
    CASE WHEN answers > 0 THEN round(greatest(CAST(-100 AS DOUBLE),
        100 * (p_adj - d_adj) - 1.96 * 100 * sqrt((p_adj + d_adj - power(p_adj - d_adj, 2)) / (answers + 3))
    ), 1) END AS nps_low,
    CASE WHEN answers > 0 THEN round(least(CAST(100 AS DOUBLE),
        100 * (p_adj - d_adj) + 1.96 * 100 * sqrt((p_adj + d_adj - power(p_adj - d_adj, 2)) / (answers + 3))
    ), 1) END AS nps_high,
    answers < 30 AS small_sample
FROM adjusted
ORDER BY scope_level, scope, period
