-- Case-management health per owner, team and branch, for the tickets opened in the period
-- (the live report's cohort): time to first contact (mean hours, and how many within 4 hours
-- of opening: wall-clock hours here, where the live report counts business hours), SLA
-- compliance, recovery (detractors whose follow-up says recovered, over those who answered
-- it), reopen rate (over the tickets ever resolved) and what is still open. Every rate has
-- its numerator and denominator beside it and is NULL when there is nothing to count.
-- parameters: from_date, from_date, to_date (events from the first day on, then tickets
-- opened from..to)
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
grouped AS (
    SELECT 'owner' AS group_by, owner AS group_key, * FROM tickets
    UNION ALL
    SELECT 'team', team, * FROM tickets
    UNION ALL
    SELECT 'branch', branch, * FROM tickets
),
counts AS (
    SELECT
        group_by,
        group_key,
        count(*) AS opened,
        count(first_contact_at) AS contacted,
        avg(date_diff('second', opened_at, first_contact_at)) / 3600.0 AS mean_hours_to_contact,
        sum(CASE WHEN date_diff('second', opened_at, first_contact_at) <= 4 * 3600 THEN 1 ELSE 0 END)
            AS contacted_within_4h,
        sum(CASE WHEN resolved_at IS NOT NULL THEN 1 ELSE 0 END) AS resolved,
        sum(CASE WHEN resolved_at IS NOT NULL AND (due_at IS NULL OR resolved_at <= due_at) THEN 1 ELSE 0 END)
            AS resolved_on_time,
        sum(CASE WHEN nps_category = 'detractor' AND follow_up_outcome IS NOT NULL THEN 1 ELSE 0 END)
            AS follow_ups,
        sum(CASE WHEN nps_category = 'detractor' AND follow_up_outcome = 'recovered' THEN 1 ELSE 0 END)
            AS recovered,
        sum(CASE WHEN resolved_at IS NOT NULL OR reopen_count > 0 THEN 1 ELSE 0 END) AS ever_resolved,
        sum(CASE WHEN reopen_count > 0 THEN 1 ELSE 0 END) AS reopened,
        sum(CASE WHEN status NOT IN ('resolved', 'closed') THEN 1 ELSE 0 END) AS still_open
    FROM grouped
    GROUP BY group_by, group_key
)
SELECT
    group_by,
    group_key,
    opened,
    contacted,
    round(mean_hours_to_contact, 2) AS mean_hours_to_contact,
    contacted_within_4h,
    resolved,
    resolved_on_time,
    CASE WHEN resolved > 0 THEN round(100 * CAST(resolved_on_time AS DOUBLE) / resolved, 1) END
        AS sla_compliance_pct,
    follow_ups,
    recovered,
    CASE WHEN follow_ups > 0 THEN round(100 * CAST(recovered AS DOUBLE) / follow_ups, 1) END AS recovery_pct,
    ever_resolved,
    reopened,
    CASE WHEN ever_resolved > 0 THEN round(100 * CAST(reopened AS DOUBLE) / ever_resolved, 1) END
        AS reopen_pct,
    still_open
FROM counts
ORDER BY group_by, group_key
