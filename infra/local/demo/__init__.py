"""`cxloop demo`: an insurer's day through the whole loop, over real HTTP.

1. Starts `cxloop serve --port 0` in a subprocess (so the runtime gets the second
   core) and reads its base URL from the first line it prints. Before the first event,
   the default contact manners hold a survey for DEF-1, for whom it is 03:00 (postponed
   to 08:00 their time, policy version `default`), then the insurer publishes its own
   contact policy (surveys at once), so every customer of the day is surveyed whatever
   hour the demo runs (infra/local/demo/contacts/default.py). An analyst publishes the
   organisation and the assignment rules through the config API.
2. Plays the ERP of Seguros Andinos, an insurer with branches in Ecuador and Spain:
   signed `POST /v1/events` for claims reported, branch visits, contact-center calls
   and roadside assistance, for Spanish- and English-speaking customers (some prefer
   SMS, some have no email). Then shows the contract at work: repeats of accepted
   events answer 200 with the same interaction id, a forged signature gets 401.
3. Plays the customers: reads the local outbox, opens every survey link (GET, as a
   phone would) and answers about three in four through the link's form, over a
   few seconds rather than in one burst. Quito Sur is clearly the worst branch;
   detractors write comments in their language and some ask for a call back.
4. Waits until the tickets (staff API, executive token) and the alerts (SNS, read
   back through `/_local/alerts`) stop growing.
5. Plays the staff and the customers afterwards (infra/local/demo/casework/): tickets
   worked with each owner's token, follow-ups answered (some reopen), the SLA watcher and
   the daily digest run as of later days, the health report per branch.
6. Prints the summary: scores per branch, country and overall computed with
   `cxloop.domain.feedback.metrics` from the answers the customers submitted, tickets by
   priority, alerts, the answer-to-alert time from the server's own clocks, and what
   case management did.
7. Plays the insurer's last 12 weeks (infra/local/demo/history.py, past.py): its old survey
   with three driver questions is published, a history file of past answers is dropped into
   the intake bucket (counted on their own days, no tickets or surveys), Guayaquil Centro's
   last-week dip raises a metric-drop alert, and last month's periodic reports are published
   and their links printed.

Everything is deterministic for a given seed except the survey tokens, ids and clocks.
Exits 0 when the loop closed and the cases were worked as expected, 1 when not (saying
why), 2 when the runtime did not start.
"""
