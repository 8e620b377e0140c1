"""The base of every cxloop pydantic model: schemas are built when first used, not imported.

A handler module imports far more models than its path validates: send_survey loads the
whole rulebook's shapes (organisation, policy, surveys, routing) to use a few of them, and
every API function imports the request and response models of routes it may never serve in
its lifetime. Building a model's validator and serializer is most of what its class
statement costs, so with `defer_build` that work happens on the first validation or dump
instead, and only for the models the path really uses (measured by
tests/benchmarks/cold_start.py: see README "Benchmarks").

Subclasses still set their own `model_config`; pydantic merges it over this one.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict
from pydantic.json_schema import WithJsonSchema


class DomainModel(BaseModel):
    model_config = ConfigDict(defer_build=True)


# The whitespace pydantic strips (strip_whitespace: Unicode's White_Space), as a character class
# every regex engine reads alike: `\s` differs between Python's re (which generates test data),
# pydantic's Rust engine (which validates) and JSON Schema's ECMA-262 dialect (which the OpenAPI
# document is read in). Python's str.strip() also strips \x1c-\x1f: STR_SPACE.
SPACE = r"\t-\r\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
BLANK = f"[{SPACE}]"
INK = f"[^{SPACE}]"
STR_SPACE = SPACE + r"\x1c-\x1f"


def stripped_text_schema(*, min_length: int = 0, max_length: int | None = None, pattern: str = "") -> Any:
    """What a string that pydantic strips before checking it accepts, said as JSON Schema.

    `StringConstraints(strip_whitespace=True, ...)` counts and matches the text without its
    surrounding whitespace, while the schema it derives counts the raw string: " x" would be
    schema-invalid yet accepted, and 129 characters of which two are spaces schema-invalid yet a
    valid id. This regex allows the whitespace and bounds what is inside it, so the OpenAPI
    document (infra/openapi.py) says what the model does.
    """
    if pattern:
        inner = pattern.removeprefix("^").removesuffix("$")
        schema: dict[str, Any] = {"type": "string", "pattern": f"^{BLANK}*({inner}){BLANK}*$"}
        # A pattern cannot count as well; the raw length bounds it (whitespace around is rare).
        return WithJsonSchema(schema | ({"maxLength": max_length} if max_length else {}))
    if max_length is None:
        inner = f"{INK}([\\s\\S]*{INK})?" if min_length else "[\\s\\S]*"
    else:
        body = f"{INK}([\\s\\S]{{0,{max_length - 2}}}{INK})?"
        inner = body if min_length else f"({body})?"
    return WithJsonSchema({"type": "string", "pattern": f"^{BLANK}*({inner}){BLANK}*$"})
