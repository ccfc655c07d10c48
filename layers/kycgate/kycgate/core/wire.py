"""The base of every kycgate wire shape.

Modules that define models do not use ``from __future__ import annotations``: pydantic would then
evaluate every field's annotation from its string when the class is created, a third of such a
module's import time (tests/unit/test_function_imports.py keeps it so).
"""

from pydantic import BaseModel, ConfigDict


class WireModel(BaseModel):
    """A pydantic model whose validator and serializer are built on first use, not at import.

    A Lambda serves one route and touches a handful of its context's models; building all of them
    at import cost about 25 ms of every cold start (measured on kyc/schemas.py).
    """

    model_config = ConfigDict(defer_build=True)


class StrictWireModel(WireModel):
    """A request shape that refuses unknown fields: a misspelt `amount` must not silently turn a control off."""

    model_config = ConfigDict(extra="forbid")
