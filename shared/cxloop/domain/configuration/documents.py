"""Publishing the analysts' documents: validated, versioned, audited, executives only."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from pydantic import ValidationError

from cxloop.domain.configuration.rulebook import DOCUMENT_NAMES, known_document, validate_document
from cxloop.domain.kernel.errors import FieldProblem, Forbidden, InvalidInput, NotFound
from cxloop.domain.organisation.access import Caller

READERS = frozenset({"branch_manager", "country_manager", "executive"})
WRITERS = frozenset({"executive"})


class Stored(Protocol):
    version: int

    def as_json(self) -> dict[str, Any]: ...


class ConfigStore(Protocol):
    def current(self, name: str) -> Any: ...

    def history(self, name: str) -> list[Any]: ...

    def publish(
        self,
        name: str,
        document: dict[str, Any],
        *,
        expected_version: int,
        by: str,
        at: datetime,
        note: str | None,
    ) -> Any: ...


def _known(name: str) -> None:
    if not known_document(name):
        raise NotFound(f"no config document {name!r}; known: {', '.join(DOCUMENT_NAMES)}")


def _may(caller: Caller, roles: frozenset[str], verb: str) -> None:
    if caller.role not in roles:
        raise Forbidden(f"{caller.role} may not {verb} configuration")


def read_document(name: str, *, caller: Caller, store: ConfigStore) -> dict[str, Any]:
    _known(name)
    _may(caller, READERS, "read")
    stored = store.current(name)
    if stored is None:
        raise NotFound(f"{name} has never been published; the built-in defaults apply")
    return dict(stored.as_json())


def document_history(name: str, *, caller: Caller, store: ConfigStore) -> list[dict[str, Any]]:
    _known(name)
    _may(caller, READERS, "read")
    return [stored.as_json() for stored in store.history(name)]


def publish_document(
    name: str,
    document: object,
    *,
    caller: Caller,
    expected_version: int | None,
    note: str | None,
    now: datetime,
    store: ConfigStore,
) -> dict[str, Any]:
    """Validate and store the next version. expected_version guards against two analysts
    publishing over each other; without it, the version read now is expected."""
    _known(name)
    _may(caller, WRITERS, "change")
    try:
        validated = validate_document(name, document)
    except ValidationError as exc:
        raise InvalidInput(f"the {name} document is invalid", problems_of(exc, prefix="document")) from exc
    if expected_version is None:
        current = store.current(name)
        expected_version = current.version if current else 0
    stored = store.publish(
        name,
        validated.model_dump(mode="json"),
        expected_version=expected_version,
        by=caller.user,
        at=now,
        note=note,
    )
    return dict(stored.as_json())


def problems_of(exc: ValidationError, *, prefix: str) -> list[FieldProblem]:
    return [
        FieldProblem(".".join([prefix, *(str(part) for part in error["loc"])]), error["msg"])
        for error in exc.errors()
    ]
