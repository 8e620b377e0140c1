"""How an email address and a phone number are written, wherever one is kept: a customer in an
event (kernel/events.py), a person of the organisation (organisation/hierarchy.py). Apart from
the event so that the organisation's documents load without it (config_api, webhooks_api)."""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

from cxloop.domain.kernel.modelling import SPACE, stripped_text_schema

# No whitespace or quotes in either part (SPACE, not \s: see cxloop.domain.kernel.modelling).
_EMAIL = f"^[^@{SPACE}<>\"']+@[^@{SPACE}<>\"']+\\.[A-Za-z]{{2,}}$"
Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=254, pattern=_EMAIL),
    stripped_text_schema(max_length=254, pattern=_EMAIL),
]
# E.164: a plus sign, then 7 to 15 digits.
Phone = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^\+[1-9][0-9]{6,14}$"),
    stripped_text_schema(pattern=r"^\+[1-9][0-9]{6,14}$"),
]
