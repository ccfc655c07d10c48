"""RouteTable: routes built on demand, one at a time for a Lambda, with FastAPI's answers unchanged."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
import warnings
from pathlib import Path

import fastapi.routing
import pytest
from fastapi import FastAPI
from fastapi.exceptions import PydanticV1NotSupportedError
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from kycgate.core.routes import RouteTable
from kycgate.core.wire import WireModel

LAYER = Path(__file__).resolve().parents[2] / "layers" / "kycgate"


class Greeting(WireModel):
    text: str


class Farewell(WireModel):  # built by one test only: it checks when its validator is built
    text: str


def _table() -> RouteTable:
    routes = RouteTable(prefix="/api/v1/demo", tags=["demo"])

    @routes.get("/greetings", operation_id="list_greetings", response_model=list[Greeting])
    def list_greetings() -> list[Greeting]:
        return [Greeting(text="hi")]

    @routes.post("/greetings", operation_id="create_greeting", response_model=Greeting, status_code=201)
    def create_greeting(body: Greeting) -> Greeting:
        return body

    return routes


def test_route_builds_only_the_named_operation() -> None:
    routes = _table()
    route = routes.route("create_greeting")
    assert isinstance(route, APIRoute)
    assert (route.path, route.methods, route.status_code, route.tags) == (
        "/api/v1/demo/greetings",
        {"POST"},
        201,
        ["demo"],
    )
    assert "router" not in vars(routes), "asking for one route must not build the others"


def test_router_holds_every_route_in_declaration_order_and_is_built_once() -> None:
    routes = _table()
    built = routes.router
    assert [r.operation_id for r in built.routes if isinstance(r, APIRoute)] == ["list_greetings", "create_greeting"]
    assert routes.router is built


def test_declaration_mistakes_are_refused() -> None:
    routes = _table()
    with pytest.raises(LookupError, match="no route with operation id 'nope'"):
        routes.route("nope")
    with pytest.raises(ValueError, match="declared twice"):
        routes.get("/again", operation_id="list_greetings")(lambda: None)
    with pytest.raises(ValueError, match="needs an operation_id"):
        routes.get("/anonymous")


def test_deferred_models_validate_without_warnings() -> None:
    # Built on first use, FastAPI's adapters would warn about its own `alias` metadata (core.routes).
    routes = _table()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        route = routes.route("create_greeting")
        assert route.body_field is not None and route.response_field is not None
        for field in (route.body_field, route.response_field):
            assert field.validate({"text": "hello"}, {}, loc=("body",)) == (Greeting(text="hello"), [])


def test_fastapi_gets_the_endpoint_context_without_reading_source(monkeypatch: pytest.MonkeyPatch) -> None:
    # What FastAPI would find itself (file, line, name for its error messages), but from the code object:
    # its own lookup reads and tokenizes the module (~10 ms of a cold start).
    routes = _table()
    route = routes.route("create_greeting")
    recorded = fastapi.routing._endpoint_context_cache[id(route.endpoint)]
    expected = {
        "file": inspect.getsourcefile(route.endpoint),
        "line": inspect.getsourcelines(route.endpoint)[1],
        "function": "create_greeting",
    }
    assert recorded == expected

    def no_source_reads(*_: object) -> None:
        raise AssertionError("a request read the endpoint's source")

    monkeypatch.setattr(inspect, "getsourcelines", no_source_reads)
    app = FastAPI()
    app.router.routes.append(routes.route("list_greetings"))
    assert TestClient(app).get("/api/v1/demo/greetings").status_code == 200


def test_a_lambda_route_does_not_import_pydantic_v1() -> None:
    code = (
        "import sys; from kycgate.preferences.api import routes; from kycgate.lambda_entry import handler_for; "
        "handler_for(routes, 'update_preferences'); print('pydantic.v1' in sys.modules)"
    )
    env = {**os.environ, "PYTHONPATH": str(LAYER)}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False", result.stderr


def test_pydantic_v1_models_are_still_refused_once_v1_is_imported() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pydantic import v1

    class Legacy(v1.BaseModel):
        text: str

    routes = RouteTable()

    @routes.get("/legacy", operation_id="legacy", response_model=Legacy)
    def legacy() -> None:
        return None

    with pytest.raises(PydanticV1NotSupportedError):
        routes.route("legacy")


def test_a_route_builds_its_models_validators_once_for_the_route_and_the_rules() -> None:
    # FastAPI's adapter around a deferred model would generate a copy of the model's schema, and the
    # rules creating the response would then build the model's own (core.routes): one build serves both.
    routes = RouteTable()

    @routes.post("/farewells", operation_id="create_farewell", response_model=Farewell)
    def create_farewell(body: Farewell) -> Farewell:
        return body

    assert not Farewell.__pydantic_complete__
    route = routes.route("create_farewell")
    assert Farewell.__pydantic_complete__
    assert route.response_field is not None and route.response_field._type_adapter.pydantic_complete
    app = FastAPI()
    app.router.routes.append(route)
    assert TestClient(app).post("/farewells", json={"text": "bye"}).json() == {"text": "bye"}
