"""Routes, functions/ folders, template.yaml resources and events/ samples agree one-to-one."""

from __future__ import annotations

import json
import re
import tomllib

from fastapi.routing import APIRoute

from kycgate.app import create_app
from kycgate.infra import load_template, resources_of_type
from tests.conftest import ROOT


def _routes() -> dict[str, tuple[str, str]]:
    routes = {}
    for route in create_app().routes:
        if isinstance(route, APIRoute):
            assert route.operation_id, f"{route.path} has no operation_id"
            (method,) = route.methods
            routes[route.operation_id] = (route.path, method)
    return routes


def _template_functions() -> dict[str, dict]:
    functions = resources_of_type(load_template(), "AWS::Serverless::Function")
    return {f["Properties"]["CodeUri"].strip("/").split("/")[-1]: f for f in functions.values()}


def _api_functions() -> dict[str, tuple[str, str]]:
    out = {}
    for folder, function in _template_functions().items():
        events = [e for e in (function["Properties"].get("Events") or {}).values() if e["Type"] == "Api"]
        if events:
            assert len(events) == 1, f"{folder} serves more than one route"
            props = events[0]["Properties"]
            out[folder] = (props["Path"], props["Method"].upper())
    return out


def test_every_route_has_exactly_one_function_resource_and_sample() -> None:
    routes = _routes()
    api_functions = _api_functions()
    assert set(routes) == set(api_functions), "routes and template Api functions differ"
    for op, (path, method) in routes.items():
        assert api_functions[op] == (path, method), f"{op}: template says {api_functions[op]}, app says {path} {method}"


def test_function_folders_match_template_and_name_their_route() -> None:
    folders = {p.name for p in (ROOT / "functions").iterdir() if p.is_dir()}
    assert folders == set(_template_functions()), "functions/ folders and template functions differ"
    for op in _api_functions():
        source = (ROOT / "functions" / op / "app.py").read_text()
        assert re.search(rf'handler_for\(routes, "{op}"\)', source), f"functions/{op}/app.py must serve {op}"


def test_every_function_has_an_event_sample_for_its_own_route() -> None:
    samples = {p.stem for p in (ROOT / "events").glob("*.json")}
    assert samples == set(_template_functions()), "events/ samples and functions differ"
    for op, (path, method) in _api_functions().items():
        event = json.loads((ROOT / "events" / f"{op}.json").read_text())
        assert (event["resource"], event["httpMethod"]) == (path, method), f"events/{op}.json is for another route"


def _requirements(path: str) -> list[str]:
    lines = (ROOT / path).read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def test_layer_requirements_match_project_dependencies() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert sorted(_requirements("layers/kycgate/requirements.txt")) == sorted(project)


def test_template_api_functions_are_made_from_the_routes() -> None:
    from kycgate.api_functions import api_functions, template_block, with_block

    template = (ROOT / "template.yaml").read_text()
    assert with_block(template, template_block(api_functions())) == template, (
        "template.yaml's API functions are not the routes' own: run `make functions`"
    )


def test_function_folders_are_made_from_the_routes() -> None:
    from kycgate.api_functions import api_functions, function_source

    stale = [
        f.operation_id
        for f in api_functions()
        if (ROOT / "functions" / f.operation_id / "app.py").read_text() != function_source(f)
    ]
    assert stale == [], f"functions/{stale}/app.py differ from their routes: run `make functions`"


def test_sync_writes_what_is_missing_and_keeps_the_samples_written(tmp_path) -> None:
    import shutil

    from kycgate.api_functions import sync

    shutil.copy(ROOT / "template.yaml", tmp_path / "template.yaml")
    shutil.copytree(ROOT / "functions", tmp_path / "functions")
    shutil.copytree(ROOT / "events", tmp_path / "events")
    assert sync(tmp_path) == []
    shutil.rmtree(tmp_path / "functions" / "get_customer")
    (tmp_path / "events" / "get_customer.json").unlink()
    (tmp_path / "events" / "create_customer.json").write_text('{"edited": true}')
    template = tmp_path / "template.yaml"
    template.write_text(template.read_text().replace("CodeUri: functions/get_customer/\n", ""))
    assert sorted(sync(tmp_path)) == [
        "events/get_customer.json",
        "functions/get_customer/app.py",
        "template.yaml",
    ]
    assert template.read_text() == (ROOT / "template.yaml").read_text()
    event = json.loads((tmp_path / "events" / "get_customer.json").read_text())
    assert (event["resource"], event["httpMethod"]) == ("/api/v1/kyc/customers/{customer_id}", "GET")
    assert event["requestContext"]["authorizer"]["tenant_id"] == "ten_sample"
    assert json.loads((tmp_path / "events" / "create_customer.json").read_text()) == {"edited": True}
