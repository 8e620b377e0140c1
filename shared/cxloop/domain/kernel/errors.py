"""Typed domain errors. The API resolver maps them to HTTP answers in one place."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FieldProblem:
    field: str
    problem: str


class CxloopError(Exception):
    """Base of every error the domain raises on purpose."""

    code = "error"

    def __init__(self, message: str, details: list[FieldProblem] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []


class InvalidInput(CxloopError):
    code = "validation_error"


class PayloadTooLarge(CxloopError):
    code = "payload_too_large"


class Unauthorized(CxloopError):
    code = "unauthorized"


class NotFound(CxloopError):
    code = "not_found"


class Forbidden(CxloopError):
    """The caller may see the resource but not do this to it (a role's permission)."""

    code = "forbidden"


class InvalidTransition(CxloopError):
    """The ticket's state machine does not allow this action from its current status."""

    code = "invalid_transition"

    def __init__(self, message: str, *, current: str, allowed: list[str]) -> None:
        super().__init__(
            message,
            [FieldProblem("action", f"allowed from: {', '.join(allowed)}; the ticket is {current}")],
        )


class Conflict(CxloopError):
    """Someone else changed the resource since it was read; read it again and retry."""

    code = "conflict"


class Unavailable(CxloopError):
    """A dependency failed in a way a retry may fix; answered 503 so callers retry."""

    code = "unavailable"


class ChannelRefused(CxloopError):
    """A channel will not carry this message and a retry would not change that: the
    customer opted out, the destination or its country is blocked, the channel's spend
    limit is reached. The dispatcher tries the next channel instead of retrying; when
    `opted_out`, the customer asked to stop and the address belongs on the suppression list."""

    code = "channel_refused"

    def __init__(self, channel: str, reason: str, *, opted_out: bool = False) -> None:
        super().__init__(f"{channel} refused the message: {reason}")
        self.channel = channel
        self.reason = reason
        self.opted_out = opted_out


class AlreadyExists(CxloopError):
    """A conditional write found the business key taken: the step already happened."""

    code = "already_exists"


@dataclass
class ValidationReport:
    problems: list[FieldProblem] = field(default_factory=list)

    def add(self, field_name: str, problem: str) -> None:
        self.problems.append(FieldProblem(field_name, problem))

    def raise_if_any(self, message: str) -> None:
        if self.problems:
            raise InvalidInput(message, self.problems)
