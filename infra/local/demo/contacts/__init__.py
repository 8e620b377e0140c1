"""The last step of `cxloop demo`: the contact policy makes every one of its decisions.

Once the day's summary is collected, an analyst publishes a contact policy (quiet hours,
a day's gap, a cap of two surveys a month, a two-hour group window, no survey during an
open complaint) and eight dedicated customers, POL-1 to POL-8, meet it:

  POL-1 email only                     group_opened, then send when released
  POL-2 prefers WhatsApp (not offered) rerouted_preference to SMS
  POL-3 phone only                     rerouted_fallback to SMS
  POL-4 two visits within the window   group_opened + grouped, released as ONE survey
  POL-5 lives where it is 06:xx now    postponed_quiet_hours when released
  POL-6 opts out through /u/{token}    blocked_opt_out
  POL-7 answers as a detractor         blocked_open_complaint; the resolved case's
                                       follow-up gets postponed_min_gap
  POL-8 three visits                   blocked_frequency_cap on the third
  POL-9 email and phone; email bounced rerouted_fallback to SMS when released
  POL-10 email only, which bounced     blocked_suppressed
  POL-11 prefers WhatsApp              send on WhatsApp (the End User Messaging fake records it)
  POL-12 prefers WhatsApp, refused     rerouted_fallback to SMS, naming WhatsApp's refusal

POL-11 and POL-12 come last, under a second policy with WhatsApp first in its order and
no waits (show_channels).

POL-9's and POL-10's addresses bounce first: a real-shaped SES Bounce event is published to
the `email_events` topic (through moto, as SES would), record_suppression stores it, and
send_survey finds it on the suppression list.

With a group window every new survey opens a group, so send and the reroutes show when
release_contacts releases the groups (a release skips the window and the gap, not the rest).
Time zones are fixed-offset `Etc/GMT±N` zones picked from the real UTC clock, so the same
decisions come out whatever the time of day.
"""
