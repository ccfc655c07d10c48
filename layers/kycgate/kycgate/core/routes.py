"""A context's routes, declared as on an APIRouter but built only when asked for."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from functools import cached_property
from typing import Any, NamedTuple, TypeVar

import fastapi.routing
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, APIRouter
from pydantic import BaseModel
from pydantic.warnings import UnsupportedFieldAttributeWarning

from kycgate.core import fastapi_v1_check

fastapi_v1_check.install()

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


class _Declaration(NamedTuple):
    path: str
    endpoint: Callable[..., Any]
    options: dict[str, Any]
    memory_size: int | None  # the route's Lambda memory (MB) when not the template's default


class RouteTable:
    """Route declarations of one context (``@routes.get(path, operation_id=..., ...)``; besides FastAPI's
    options, ``memory_size=`` sets the route's Lambda memory).

    Building a FastAPI route analyses the endpoint's signature and builds the validators of its body
    and response models. Each Lambda serves one route, so ``route(operation_id)`` builds that one
    alone; building every route of a context at import cost about 15 ms of each cold start. The
    local server and the OpenAPI document use ``router``.
    """

    def __init__(self, prefix: str = "", tags: list[str] | None = None) -> None:
        self.prefix = prefix
        self.tags = list(tags or [])
        self._declared: dict[str, _Declaration] = {}

    def get(self, path: str, **options: Any) -> Callable[[Endpoint], Endpoint]:
        return self._declare("GET", path, options)

    def post(self, path: str, **options: Any) -> Callable[[Endpoint], Endpoint]:
        return self._declare("POST", path, options)

    def put(self, path: str, **options: Any) -> Callable[[Endpoint], Endpoint]:
        return self._declare("PUT", path, options)

    def patch(self, path: str, **options: Any) -> Callable[[Endpoint], Endpoint]:
        return self._declare("PATCH", path, options)

    @property
    def operation_ids(self) -> list[str]:
        return list(self._declared)

    def memory_size(self, operation_id: str) -> int | None:
        return self._declared[operation_id].memory_size

    def route(self, operation_id: str) -> APIRoute:
        if operation_id not in self._declared:
            raise LookupError(f"no route with operation id {operation_id!r}")
        (built,) = self._build([operation_id]).routes
        assert isinstance(built, APIRoute)
        return built

    @cached_property
    def router(self) -> APIRouter:
        """Every route, in declaration order; built once, so each app created afterwards shares them."""
        return self._build(self.operation_ids)

    def _declare(self, method: str, path: str, options: dict[str, Any]) -> Callable[[Endpoint], Endpoint]:
        # Not FastAPI's: the memory of the route's Lambda (kycgate.api_functions writes it to the template).
        memory_size = options.pop("memory_size", None)
        operation_id = options.get("operation_id")
        if not operation_id:
            raise ValueError(f"{method} {self.prefix}{path} needs an operation_id: it names the route's Lambda")

        def declare(endpoint: Endpoint) -> Endpoint:
            if operation_id in self._declared:
                raise ValueError(f"operation id {operation_id!r} is declared twice")
            self._declared[operation_id] = _Declaration(path, endpoint, {**options, "methods": [method]}, memory_size)
            return endpoint

        return declare

    def _build(self, operation_ids: list[str]) -> APIRouter:
        router = APIRouter(prefix=self.prefix, tags=list(self.tags))
        for operation_id in operation_ids:
            declaration = self._declared[operation_id]
            router.add_api_route(declaration.path, declaration.endpoint, **declaration.options)
        for route in router.routes:
            assert isinstance(route, APIRoute)
            _build_deferred_validators(route)
            _record_endpoint_context(route.endpoint)
        return router


def _record_endpoint_context(endpoint: Callable[..., Any]) -> None:
    """Tell FastAPI where the endpoint is defined, from its code object.

    FastAPI (0.16x) looks this up on a route's first request, for its error messages, with
    ``inspect.getsourcelines``, which reads and tokenizes the module's source: ~10 ms of every
    Lambda's cold start. The code object holds the same file, line and name. If a FastAPI release
    drops the cache, nothing is recorded and FastAPI does its own lookup.
    """
    cache = getattr(fastapi.routing, "_endpoint_context_cache", None)
    code = getattr(endpoint, "__code__", None)
    if isinstance(cache, dict) and code is not None:
        context = {"file": code.co_filename, "line": code.co_firstlineno, "function": endpoint.__name__}
        cache.setdefault(id(endpoint), context)


def _build_deferred_validators(route: APIRoute) -> None:
    """Build now the validators FastAPI would leave to the route's first request.

    A WireModel defers its validator (core.wire), so FastAPI's TypeAdapters around it (request body,
    query model, response) defer theirs too and would be built by the first request, outside the
    ``catch_warnings`` FastAPI puts around their construction: pydantic would then warn, once per
    model, about FastAPI's own ``alias`` metadata. Built here they stay silent as FastAPI intends,
    and no time moves: the first request would have paid it.

    A field whose type is a model gets the model's own validator built first: the adapter then reuses
    it, where on its own it would generate a second copy of the same schema, and the route's rules,
    which create the model (a response), would pay the first (22 of get_kyc_application's 61 ms).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnsupportedFieldAttributeWarning)
        for model_field in _model_fields(route):
            adapter = model_field._type_adapter
            if adapter.pydantic_complete:
                continue
            model = model_field.field_info.annotation
            if isinstance(model, type) and issubclass(model, BaseModel) and not model.__pydantic_complete__:
                model.model_rebuild()
            adapter.rebuild()


def _model_fields(route: APIRoute) -> Iterator[Any]:
    yield from (f for f in (route.body_field, route.response_field) if f is not None)
    yield from _parameters(route.dependant)


def _parameters(dependant: Dependant) -> Iterator[Any]:
    yield from dependant.path_params
    yield from dependant.query_params
    yield from dependant.header_params
    yield from dependant.cookie_params
    yield from dependant.body_params
    for dependency in dependant.dependencies:
        yield from _parameters(dependency)
