"""Case management in `cxloop demo`: the staff's side of the loop, over real HTTP.

Before the ERP plays, an analyst publishes the organisation and the assignment rules
(data/organisation.yaml, data/assignment.yaml) through the config API. Once the tickets
have settled, the demo:

2. shows how they were classified (request / complaint / claim) and routed: the team by
   rule, the owner by turns within the team;
3. works them as the staff would, each owner with their own token: about half are called
   and resolved with a root cause, a quarter are not reached and get a call-back at the time
   the customer chose, the rest wait; a branch manager reassigns one; resolving a ticket
   twice answers 409 and reading another branch's ticket 404;
4. plays the customers answering the "was it solved?" follow-up found in the outbox: most
   are recovered, a few are unhappy and their tickets reopen;
5. runs the SLA watcher as of later business days in each country (reminders, then
   escalations up the organisation), then the daily digest, and reads the alerts back;
6. prints the health report per branch and counts the acknowledgements customers got.

Every choice comes from the seed's random generator, drawn over tickets sorted by customer
id, so a seed always works the same customers the same way; ticket ids, owners' turns and
clocks still vary between runs. Nothing personal is printed: ticket ids, branches, scores
and staff ids only.

The staff's requests go one at a time: the local gateway calls a function's handler from
several threads at once, and Powertools' resolver keeps the request being handled on the
app object (Lambda never runs two events in one environment), so two concurrent actions
can be resolved with each other's arguments.
"""
