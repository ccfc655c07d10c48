"""`kycgate` command: local server, tenants and keys, list imports (admin actions are CLI-only, never HTTP)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence


def _serve(args: argparse.Namespace) -> int:
    from kycgate.local import serve

    serve(host=args.host, port=args.port)
    return 0


def _tenants_create(args: argparse.Namespace) -> int:
    from kycgate.core.tenants import create_key, create_tenant

    tenant = create_tenant(args.name)
    issued = create_key(tenant.tenant_id)
    print(json.dumps({"tenant_id": tenant.tenant_id, "key_id": issued.key_id, "api_key": issued.api_key}))
    return 0


def _keys_create(args: argparse.Namespace) -> int:
    from kycgate.core.tenants import create_key

    try:
        issued = create_key(
            args.tenant_id, mode=args.mode, name=args.name or "", email=args.email or "", scopes=args.scope or ()
        )
    except (LookupError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(
        json.dumps(
            {
                "tenant_id": issued.tenant_id,
                "key_id": issued.key_id,
                "key_number": issued.key_number,
                "mode": issued.mode,
                "api_key": issued.api_key,
            }
        )
    )
    return 0


def _keys_revoke(args: argparse.Namespace) -> int:
    from kycgate.core import revocation
    from kycgate.core.tenants import revoke_key

    if not revoke_key(args.tenant_id, args.key_id):
        print(f"error: tenant {args.tenant_id} has no active key {args.key_id}", file=sys.stderr)
        return 2
    result: dict[str, object] = {"tenant_id": args.tenant_id, "key_id": args.key_id, "status": "revoked"}
    if args.local:
        print(json.dumps(result))
        return 0
    try:
        api_id = args.api_id or revocation.rest_api_id_of_stack(args.stack)
        revocation.flush_authorizer_cache(api_id, args.stage)
    except Exception as exc:  # the key is revoked either way; say what is left to do
        print(json.dumps(result))
        print(
            f"warning: the key is revoked, but API Gateway's authorizer cache was not flushed ({exc}); "
            "the key keeps working for at most 60 s. Run again with --api-id ID, or "
            "`aws apigateway flush-stage-authorizers-cache --rest-api-id ID --stage-name live`.",
            file=sys.stderr,
        )
        return 3
    result["authorizer_cache_flushed"] = {"rest_api_id": api_id, "stage": args.stage}
    print(json.dumps(result))
    return 0


def _deliveries_replay(args: argparse.Namespace) -> int:
    from kycgate.webhooks import queues, service

    replayed = service.replay_failed(args.tenant)
    # Their DLQ messages are settled now; removing them clears the DLQ depth alarm.
    removed = queues.reconcile_dlq(service.is_failed, args.tenant)
    print(json.dumps({"replayed": replayed, "dlq_messages_removed": removed}))
    return 0


def _points_grant(args: argparse.Namespace) -> int:
    from kycgate.compliance.idv import points

    try:
        balance = points.grant(args.tenant_id, args.points, mode=args.mode)
    except (LookupError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps({"tenant_id": args.tenant_id, "mode": args.mode, "points": balance}))
    return 0


def _lists_import(args: argparse.Namespace) -> int:
    from pathlib import Path

    from botocore.exceptions import BotoCoreError, ClientError

    from kycgate.compliance.lists.importer import import_lists
    from kycgate.compliance.lists.model import ListFileError

    try:
        result = import_lists(
            args.sources,
            output=Path(args.output) if args.output else None,
            allow_shrink=args.allow_shrink,
            force=args.force,
        )
    except ListFileError as exc:
        print(f"error: {exc} (nothing was published; the live index is unchanged)", file=sys.stderr)
        return 2
    except (BotoCoreError, ClientError) as exc:
        print(f"error: the lists bucket cannot be used ({exc}); the live index is unchanged", file=sys.stderr)
        return 2
    print(json.dumps(result.summary()))
    return 0


def _lists_status(_args: argparse.Namespace) -> int:
    from kycgate.compliance.lists import store

    pointer = store.read_pointer()
    if pointer is None:
        print(json.dumps({"status": "empty", "detail": "nothing has been imported"}))
        return 1
    print(json.dumps({"status": "live", "pointer": pointer, "manifest": store.read_manifest(pointer)}))
    return 0


def _levels_load(args: argparse.Namespace) -> int:
    """Replace a tenant's levels configuration from a YAML (or JSON) file: over the API with --url and
    --api-key (the key's mode picks live or test data), or, as an admin, straight into the tables the
    environment's AWS account holds with --tenant (and --mode test for its test space)."""
    from pathlib import Path

    from kycgate.levels import configuration

    path = configuration.example_path() if args.example else Path(args.file or "")
    if not args.example and not args.file:
        print("error: name a FILE or pass --example", file=sys.stderr)
        return 2
    try:
        document = configuration.read_file(path)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.url:
        if not args.api_key:
            print("error: --url needs --api-key", file=sys.stderr)
            return 2
        return _put_configuration(args.url, args.api_key, document.model_dump(mode="json", exclude_none=True))
    if not args.tenant:
        print("error: say where to load it: --url URL --api-key KEY, or --tenant TENANT_ID", file=sys.stderr)
        return 2
    from kycgate.core.errors import Problem
    from kycgate.core.tenants import data_space, get_tenant

    if get_tenant(args.tenant) is None:
        print(f"error: tenant {args.tenant} does not exist", file=sys.stderr)
        return 2
    try:
        stored = configuration.replace_configuration(data_space(args.tenant, args.mode), document)
    except Problem as problem:
        print(json.dumps(problem.body(), indent=2), file=sys.stderr)
        return 1
    print(json.dumps(_summary(stored.model_dump(mode="json"))))
    return 0


def _put_configuration(url: str, api_key: str, document: dict[str, object]) -> int:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(  # noqa: S310 - the operator's own kycgate URL
        url.rstrip("/") + "/api/v1/levels/configuration",
        data=json.dumps(document).encode(),
        method="PUT",
        headers={"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            stored = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        print(exc.read().decode(errors="replace"), file=sys.stderr)
        return 1
    except urllib.error.URLError as exc:
        print(f"error: {url} did not answer: {exc.reason}", file=sys.stderr)
        return 1
    print(json.dumps(_summary(stored)))
    return 0


def _summary(stored: dict[str, object]) -> dict[str, object]:
    """The version and every UUID a client of the API needs, by key."""
    entities = stored.get("legal_entities") or []
    return {
        "version": stored.get("version"),
        "legal_entities": [
            {
                "key": entity["key"],
                "legal_entity_uuid": entity["legal_entity_uuid"],
                "levels": {level["key"]: level["kyc_level_uuid"] for level in entity["levels"]},
                "legal_documents": {d["key"]: d["legal_document_uuid"] for d in entity["legal_documents"]},
            }
            for entity in entities  # type: ignore[union-attr]
        ],
    }


def _openapi(_args: argparse.Namespace) -> int:
    from kycgate.app import create_app

    print(json.dumps(create_app().openapi(), indent=2))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kycgate", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the whole service locally (in-memory AWS)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(run=_serve)

    tenants = sub.add_parser("tenants", help="manage tenants").add_subparsers(dest="action", required=True)
    create = tenants.add_parser("create", help="create a tenant and its first API key")
    create.add_argument("name")
    create.set_defaults(run=_tenants_create)

    keys = sub.add_parser("keys", help="manage API keys").add_subparsers(dest="action", required=True)
    key_create = keys.add_parser("create", help="issue a new API key (printed once)")
    key_create.add_argument("tenant_id")
    key_create.add_argument("--mode", choices=["live", "test"], default="live", help="test: kg_test_ key, own data")
    key_create.add_argument("--name", help="the person the key is issued to (employee/creator fields)")
    key_create.add_argument("--email", help="their e-mail (the seeds' *_account and *_email fields)")
    key_create.add_argument("--scope", action="append", choices=["reviewer"], help="extra rights (repeatable)")
    key_create.set_defaults(run=_keys_create)
    key_revoke = keys.add_parser("revoke", help="revoke an API key and flush API Gateway's authorizer cache")
    key_revoke.add_argument("tenant_id")
    key_revoke.add_argument("key_id")
    key_revoke.add_argument("--api-id", help="the REST API id (default: the KycgateApi of --stack)")
    key_revoke.add_argument("--stack", default="kycgate", help="the CloudFormation stack (default: kycgate)")
    key_revoke.add_argument("--stage", default="live", help="the API stage (default: live)")
    key_revoke.add_argument("--local", action="store_true", help="no API Gateway in front (kycgate serve)")
    key_revoke.set_defaults(run=_keys_revoke)

    deliveries = sub.add_parser("deliveries", help="webhook deliveries").add_subparsers(dest="action", required=True)
    replay = deliveries.add_parser("replay", help="queue failed deliveries again (same webhook-id)")
    replay.add_argument("--failed", action="store_true", required=True, help="replay every failed delivery")
    replay.add_argument("--tenant", help="only this tenant's deliveries")
    replay.set_defaults(run=_deliveries_replay)

    points = sub.add_parser("points", help="IDV points").add_subparsers(dest="action", required=True)
    grant = points.add_parser("grant", help="add points to a tenant's balance")
    grant.add_argument("tenant_id")
    grant.add_argument("points", type=int)
    grant.add_argument("--mode", choices=("live", "test"), default="live", help="the key mode's data space")
    grant.set_defaults(run=_points_grant)

    lists = sub.add_parser("lists", help="screening lists").add_subparsers(dest="action", required=True)
    lists_import = lists.add_parser(
        "import",
        help="compile the lists into one index and publish it to the lists bucket",
        description="Paths (files or folders) and URLs: sdn.csv + alt.csv + add.csv (OFAC SDN, together), "
        "the UN consolidated .xml, .json address lists. A bad or truncated file publishes nothing.",
    )
    lists_import.add_argument("sources", nargs="+", metavar="PATH|URL")
    lists_import.add_argument("--output", metavar="FILE", help="write the index to FILE instead of the bucket")
    lists_import.add_argument(
        "--allow-shrink", action="store_true", help="publish even if a source lost entries or is missing"
    )
    lists_import.add_argument("--force", action="store_true", help="publish even if no file changed")
    lists_import.set_defaults(run=_lists_import)
    lists_status = lists.add_parser("status", help="print the live index's pointer and manifest")
    lists_status.set_defaults(run=_lists_status)
    levels = sub.add_parser("levels", help="KYC levels (seed 002)").add_subparsers(dest="action", required=True)
    load = levels.add_parser("load", help="replace a tenant's levels configuration from a YAML or JSON file")
    load.add_argument("file", nargs="?", help="the configuration file (YAML, or .json)")
    load.add_argument("--example", action="store_true", help="load the shipped example configuration")
    load.add_argument("--url", help="a kycgate API base URL, e.g. http://127.0.0.1:8000 (with --api-key)")
    load.add_argument("--api-key", help="the tenant's API key (kg_live_ or kg_test_) for --url")
    load.add_argument("--tenant", help="admin: load straight into this tenant's data (AWS account in the environment)")
    load.add_argument("--mode", choices=["live", "test"], default="live", help="with --tenant: its live or test data")
    load.set_defaults(run=_levels_load)

    openapi = sub.add_parser("openapi", help="print the OpenAPI document")
    openapi.set_defaults(run=_openapi)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    run: Callable[[argparse.Namespace], int] = args.run
    return run(args)


if __name__ == "__main__":
    raise SystemExit(main())
