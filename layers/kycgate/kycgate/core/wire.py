"""The base of every kycgate wire shape."""

from __future__ import annotations

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
