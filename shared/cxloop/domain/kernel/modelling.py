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

from pydantic import BaseModel, ConfigDict


class DomainModel(BaseModel):
    model_config = ConfigDict(defer_build=True)
