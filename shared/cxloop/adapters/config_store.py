"""The config table: the analysts' documents (versioned, with every version kept for
the audit trail) and the round-robin counters of the teams."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from cxloop.adapters.aws import translated
from cxloop.adapters.dynamo import DynamoTable, conditional_write, number_value, string_value, transact
from cxloop.config import settings
from cxloop.domain.configuration.rulebook import DOCUMENT_NAMES, Rulebook
from cxloop.domain.kernel.errors import Conflict
from cxloop.observability import logger

if TYPE_CHECKING:  # only the survey functions read the catalogue (survey_library)
    from cxloop.domain.surveys.survey_catalogue import SurveyLibrary


@dataclass(frozen=True)
class StoredDocument:
    name: str
    version: int
    document: dict[str, Any]
    updated_at: str
    updated_by: str
    note: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "updated_at": self.updated_at,
            "updated_by": self.updated_by,
            "note": self.note,
            "document": self.document,
        }


class DynamoConfigStore:
    def __init__(self, table_name: str, dynamodb: Any | None = None) -> None:
        self.table = DynamoTable(table_name, dynamodb)

    def current(self, name: str) -> StoredDocument | None:
        item = self.table.get({"name": string_value(f"doc#{name}")})
        return _document(name, item) if item else None

    def version(self, name: str, version: int) -> StoredDocument | None:
        """One published version, as kept for the audit trail (one get)."""
        item = self.table.get({"name": string_value(_version_key(name, version))})
        return _document(name, item) if item else None

    def history(self, name: str) -> list[StoredDocument]:
        latest = self.current(name)
        if latest is None:
            return []
        versions = [
            self.table.get({"name": string_value(_version_key(name, v))})
            for v in range(latest.version, 0, -1)
        ]
        return [_document(name, item) for item in versions if item]

    def publish(
        self,
        name: str,
        document: dict[str, Any],
        *,
        expected_version: int,
        by: str,
        at: datetime,
        note: str | None,
    ) -> StoredDocument:
        """Store the next version and keep a copy of it; Conflict when someone published first."""
        version = expected_version + 1
        stored = StoredDocument(name, version, document, at.isoformat(), by, note)
        item = _item(stored)
        current = {
            "Put": {
                "TableName": self.table.name,
                "Item": {**item, "name": string_value(f"doc#{name}")},
                **_expecting(expected_version),
            }
        }
        copy = {
            "Put": {
                "TableName": self.table.name,
                "Item": {**item, "name": string_value(_version_key(name, version))},
            }
        }
        written = conditional_write(f"publish {name}", lambda: transact(self.table.db, [current, copy]))
        if not written:
            raise Conflict(
                f"{name} changed meanwhile (expected version {expected_version}); read it and retry"
            )
        return stored

    def next_turn(self, team: str) -> int:
        """Atomically count one more ticket for the team; answers the new count."""
        with translated("turn counter"):
            answer = self.table.db.update_item(
                TableName=self.table.name,
                Key={"name": string_value(f"turn#{team}")},
                UpdateExpression="ADD #c :one",
                ExpressionAttributeNames={"#c": "count"},
                ExpressionAttributeValues={":one": number_value(1)},
                ReturnValues="UPDATED_NEW",
            )
        return int(answer["Attributes"]["count"]["N"])


def _expecting(version: int) -> dict[str, Any]:
    """The condition that the current document is still the version the caller read."""
    if version == 0:
        return {"ConditionExpression": "attribute_not_exists(#n)", "ExpressionAttributeNames": {"#n": "name"}}
    return {
        "ConditionExpression": "#v = :expected",
        "ExpressionAttributeNames": {"#v": "version"},
        "ExpressionAttributeValues": {":expected": number_value(version)},
    }


def _version_key(name: str, version: int) -> str:
    return f"doc#{name}#v{version:06d}"


def _item(stored: StoredDocument) -> dict[str, Any]:
    item = {
        "version": number_value(stored.version),
        "doc": string_value(json.dumps(stored.document, ensure_ascii=False)),
        "updated_at": string_value(stored.updated_at),
        "updated_by": string_value(stored.updated_by),
    }
    if stored.note:
        item["note"] = string_value(stored.note)
    return item


def _document(name: str, item: dict[str, Any]) -> StoredDocument:
    return StoredDocument(
        name=name,
        version=int(item["version"]["N"]),
        document=json.loads(item["doc"]["S"]),
        updated_at=item["updated_at"]["S"],
        updated_by=item["updated_by"]["S"],
        note=item.get("note", {}).get("S"),
    )


class CachedRulebook:
    """The current versions of the documents a function reads (`reads`: its slice of the
    rulebook; the others keep their defaults), read again at most every `ttl_s` seconds: a
    published change reaches every warm function within a minute, without a read per request."""

    def __init__(
        self,
        store: DynamoConfigStore,
        ttl_s: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        reads: tuple[str, ...] = DOCUMENT_NAMES,
    ):
        self.store = store
        self.reads = reads
        # 60 s on AWS; the local runtime shortens it so a demo sees a published change at once.
        self.ttl_s = settings().rulebook_ttl_s if ttl_s is None else ttl_s
        self.clock = clock
        self._lock = threading.Lock()
        self._book: Rulebook | None = None
        self._read_at = 0.0

    def __call__(self) -> Rulebook:
        with self._lock:
            if self._book is None or self.clock() - self._read_at >= self.ttl_s:
                self._book = self._read()
                self._read_at = self.clock()
            return self._book

    def _read(self) -> Rulebook:
        found = {name: self.store.current(name) for name in self.reads}
        documents = {name: (doc.version, doc.document) for name, doc in found.items() if doc}
        try:
            return Rulebook.from_documents(documents)
        except ValueError:
            # Published documents were validated; one that no longer parses (an older
            # schema) must not stop the pipeline: the defaults apply and ops are told.
            logger.exception("a stored config document no longer validates; using defaults")
            return Rulebook()


def survey_library(store: DynamoConfigStore, rulebook: Callable[[], Rulebook]) -> SurveyLibrary:
    """Survey definitions by id, version and catalogue version: the current catalogue from
    the cached rulebook, an older one read once by its version (it never changes)."""
    from cxloop.domain.surveys.survey_catalogue import (  # noqa: PLC0415 - the survey functions' alone
        SurveyCatalogue,
        SurveyLibrary,
    )

    def current() -> tuple[int | None, SurveyCatalogue]:
        book = rulebook()
        return book.versions.get("surveys"), book.surveys

    def older(version: int) -> SurveyCatalogue | None:
        stored = store.version("surveys", version)
        if stored is None:
            return None
        try:
            return SurveyCatalogue.model_validate(stored.document)
        except ValueError:
            logger.exception("a stored surveys catalogue no longer validates", extra={"version": version})
            return None

    return SurveyLibrary(current, older)
