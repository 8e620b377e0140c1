-- What customers' comments are about, month by month: for each topic, how many responses
-- mention it, their share of the responses with any topic, and how many of those mentions
-- are negative or come from detractors. Follow-up surveys stay out.
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
mentions AS (
    SELECT substr(a.dt, 1, 7) AS period, t.topic, a.response_id, a.sentiment, a.nps_category
    FROM answered AS a
    CROSS JOIN UNNEST(a.topics) AS t (topic)
),
per_period AS (
    SELECT period, count(DISTINCT response_id) AS responses_with_topics
    FROM mentions
    GROUP BY period
)
SELECT
    m.period,
    m.topic,
    count(*) AS mentions,
    p.responses_with_topics,
    round(100 * CAST(count(*) AS DOUBLE) / p.responses_with_topics, 1) AS share_pct,
    sum(CASE WHEN m.sentiment = 'negative' THEN 1 ELSE 0 END) AS negative,
    round(100 * CAST(sum(CASE WHEN m.sentiment = 'negative' THEN 1 ELSE 0 END) AS DOUBLE) / count(*), 1)
        AS negative_pct,
    sum(CASE WHEN m.nps_category = 'detractor' THEN 1 ELSE 0 END) AS from_detractors
FROM mentions AS m
JOIN per_period AS p ON p.period = m.period
GROUP BY m.period, m.topic, p.responses_with_topics
ORDER BY m.period, mentions DESC, m.topic
