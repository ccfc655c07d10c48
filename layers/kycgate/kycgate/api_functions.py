"""One Lambda per route: its `functions/<op>/app.py`, its template.yaml resource and its `events/` sample,
all made from the routes themselves (`make functions`).

The routes (each context's ``api.py``) are the one source: a route's operation id names its function,
its path and method its API event, whether it takes a tenant key its authorizer (a capability-token or
public route is ``Auth: {Authorizer: NONE}``), and its ``memory_size`` option its memory. The template's
API functions are one generated block between two marker lines; a test fails when the block, a function
folder or a sample is missing or stale, naming this command. Samples are written once as an envelope
(the body, path and query values are the developer's to fill) and never overwritten.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from importlib import import_module
from pathlib import Path
from typing import Any, NamedTuple

from fastapi.routing import APIRoute

ROOT = Path(__file__).resolve().parents[3]
BEGIN = "  # ---------------------------------------------------------------- API functions (generated)"
END = "  # ---------------------------------------------------------------- end of API functions"
NOTE = "  # One per route, made by `make functions` from the routes (kycgate/api_functions.py): edit the routes."


class ApiFunction(NamedTuple):
    operation_id: str
    path: str
    method: str
    module: str  # the api module whose RouteTable declares the route
    tag: str
    tenant_key: bool  # False: authorized by a capability token or public (no API Gateway authorizer)
    memory_size: int | None

    @property
    def resource_id(self) -> str:
        return "".join(part.capitalize() for part in self.operation_id.split("_")) + "Function"


def api_functions() -> list[ApiFunction]:
    """Every route of the app, in the order the app declares them."""
    from kycgate.app import ROUTER_MODULES
    from kycgate.core.auth import current_caller

    found = []
    for module_name in ROUTER_MODULES:
        routes = import_module(module_name).routes
        for route in routes.router.routes:
            assert isinstance(route, APIRoute) and route.operation_id
            (method,) = route.methods
            found.append(
                ApiFunction(
                    operation_id=route.operation_id,
                    path=route.path,
                    method=method,
                    module=module_name,
                    tag=str((route.tags or ["api"])[0]),
                    tenant_key=_depends_on(route.dependant, current_caller),
                    memory_size=routes.memory_size(route.operation_id),
                )
            )
    return found


def _depends_on(dependant: Any, call: Any) -> bool:
    return any(d.call is call or _depends_on(d, call) for d in dependant.dependencies)


def template_block(functions: Iterable[ApiFunction]) -> str:
    lines = [BEGIN, NOTE, ""]
    tag = None
    for function in functions:
        if function.tag != tag:
            tag = function.tag
            lines.append(f"  # {tag}")
        path = f'"{function.path}"' if "{" in function.path else function.path
        auth = "" if function.tenant_key else ", Auth: {Authorizer: NONE}"
        lines += [
            f"  {function.resource_id}:",
            "    Type: AWS::Serverless::Function",
            "    Properties:",
            f"      CodeUri: functions/{function.operation_id}/",
            "      Handler: app.handler",
            "      Role: !GetAtt ApiFunctionRole.Arn",
            *([f"      MemorySize: {function.memory_size}"] if function.memory_size else []),
            "      Events:",
            "        Api:",
            "          Type: Api",
            f"          Properties: {{RestApiId: !Ref KycgateApi, Path: {path}, Method: {function.method}{auth}}}",
            "",
        ]
    return "\n".join([*lines, END])


def with_block(template: str, block: str) -> str:
    start, end = template.index(BEGIN), template.index(END) + len(END)
    return template[:start] + block + template[end:]


def function_source(function: ApiFunction) -> str:
    imports = sorted([f"from {function.module} import routes", "from kycgate.lambda_entry import handler_for"])
    return "\n".join(imports) + f'\n\nhandler = handler_for(routes, "{function.operation_id}")\n'


def sample_event(function: ApiFunction) -> dict[str, Any]:
    """An API Gateway proxy event for the route, as the existing samples are: fill in the values."""
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "curl/8.5.0",
        "Host": "abc123.execute-api.us-east-1.amazonaws.com",
    }
    authorizer = {"tenant_id": "ten_sample", "principalId": "ten_sample"} if function.tenant_key else None
    context: dict[str, Any] = {
        "resourcePath": function.path,
        "httpMethod": function.method,
        "path": f"/live{function.path}",
        "stage": "live",
        "requestId": f"req-{function.operation_id}",
        "accountId": "123456789012",
        "apiId": "abc123",
        "identity": {"sourceIp": "203.0.113.10", "userAgent": "curl/8.5.0"},
    }
    if authorizer:
        context["authorizer"] = authorizer
    return {
        "resource": function.path,
        "path": function.path,
        "httpMethod": function.method,
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": context,
        "body": "{}" if function.method in {"POST", "PUT", "PATCH"} else None,
        "isBase64Encoded": False,
    }


def sync(root: Path = ROOT) -> list[str]:
    """Write what is missing or stale; the paths written."""
    functions = api_functions()
    written = []
    template_path = root / "template.yaml"
    template = template_path.read_text()
    updated = with_block(template, template_block(functions))
    if updated != template:
        template_path.write_text(updated)
        written.append(str(template_path.relative_to(root)))
    for function in functions:
        app = root / "functions" / function.operation_id / "app.py"
        if not app.exists() or app.read_text() != function_source(function):
            app.parent.mkdir(parents=True, exist_ok=True)
            app.write_text(function_source(function))
            written.append(str(app.relative_to(root)))
        event = root / "events" / f"{function.operation_id}.json"
        if not event.exists():
            event.write_text(json.dumps(sample_event(function), indent=2) + "\n")
            written.append(str(event.relative_to(root)))
    return written


def main() -> int:
    for path in sync():
        print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
