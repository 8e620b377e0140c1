"""What other modules compare against without the survey definitions (surveys/definitions.py):
the languages surveys are written in, the event that asks for the follow-up survey and that
survey's id. Apart so that the contact policy, the reminders and the pages that ask no survey
do not build every survey's questions to start."""

from __future__ import annotations

# The languages a survey and its pages are written in.
LANGUAGES = ("es", "en", "pt", "fr")
# The event cxloop raises itself when a ticket is resolved; its survey is the follow-up.
CASE_RESOLVED = "case.resolved"
# Sent after a ticket is resolved: was it solved?
FOLLOW_UP_SURVEY_ID = "follow_up"
