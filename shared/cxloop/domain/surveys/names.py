"""The names other contexts tell surveys apart by: the event that asks for the follow-up
survey and that survey's id. Apart from the definitions (surveys/definitions.py) so that the
contact policy and the reminders, which only compare against them, do not build every
survey's questions to start."""

from __future__ import annotations

# The event cxloop raises itself when a ticket is resolved; its survey is the follow-up.
CASE_RESOLVED = "case.resolved"
# Sent after a ticket is resolved: was it solved?
FOLLOW_UP_SURVEY_ID = "follow_up"
