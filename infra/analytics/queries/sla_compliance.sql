-- SLA compliance of the tickets opened in the period, by month opened, country and branch:
-- of the resolved ones, how many were resolved by their due time (no due time at resolution
-- means the clock was stopped waiting on the customer: not a breach), with numerator and
-- denominator; compliance is NULL when nothing was resolved. Each ticket counts once, in its
-- newest version (the lake has every version, possibly twice).
-- parameters: from_date, from_date, to_date (events from the first day on: a ticket changes
-- only after it opens, so older partitions are never read; then tickets opened from..to)
WITH versions AS (
    SELECT
        *,
        row_number() OVER (PARTITION BY ticket_id ORDER BY version DESC) AS newest
    FROM ticket_events
    WHERE dt >= ?
),
tickets AS (
    SELECT *
    FROM versions
    WHERE newest = 1 AND CAST(opened_at AS DATE) BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)
),
counts AS (
    SELECT
        substr(CAST(opened_at AS VARCHAR), 1, 7) AS period,
        country,
        branch,
        count(*) AS opened,
        sum(CASE WHEN resolved_at IS NOT NULL THEN 1 ELSE 0 END) AS resolved,
        sum(CASE WHEN resolved_at IS NOT NULL AND (due_at IS NULL OR resolved_at <= due_at) THEN 1 ELSE 0 END)
            AS resolved_on_time,
        sum(CASE WHEN status NOT IN ('resolved', 'closed') THEN 1 ELSE 0 END) AS still_open,
        sum(CASE WHEN escalation_level > 0 THEN 1 ELSE 0 END) AS escalated
    FROM tickets
    GROUP BY substr(CAST(opened_at AS VARCHAR), 1, 7), country, branch
)
SELECT
    period,
    country,
    branch,
    opened,
    resolved,
    resolved_on_time,
    CASE WHEN resolved > 0 THEN round(100 * CAST(resolved_on_time AS DOUBLE) / resolved, 1) END
        AS compliance_pct,
    still_open,
    escalated
FROM counts
ORDER BY period, country, branch
