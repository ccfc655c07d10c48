"""Build AWS resources from template.yaml's own definitions (moto in tests and `kycgate serve`).

Reading the template instead of restating it means the local stack and the tests cannot drift
from what is deployed: a new index, TTL attribute or redrive policy appears everywhere at once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kycgate.core import aws

TEMPLATE_PATH = Path(__file__).resolve().parents[3] / "template.yaml"


class _CfnLoader(yaml.SafeLoader):
    """YAML loader that keeps CloudFormation short-form tags (!Ref, !GetAtt, ...) as plain dicts."""


def _construct_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


_CfnLoader.add_multi_constructor("!", _construct_tag)


def load_template(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    return yaml.load(path.read_text(), Loader=_CfnLoader)  # noqa: S506 - SafeLoader subclass


def resources_of_type(template: dict[str, Any], type_name: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == type_name}


@dataclass
class Provisioned:
    """Physical names of what was created, by logical id."""

    tables: dict[str, str] = field(default_factory=dict)
    queues: dict[str, str] = field(default_factory=dict)  # logical id -> queue URL
    buckets: dict[str, str] = field(default_factory=dict)
    arns: dict[str, str] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        """The environment kycgate reads, pointing at these resources."""
        return {
            "KYCGATE_RECORDS_TABLE": self.tables["RecordsTable"],
            "KYCGATE_SESSIONS_TABLE": self.tables["SessionsTable"],
            "KYCGATE_PROOFS_BUCKET": self.buckets["ProofsBucket"],
            "KYCGATE_LISTS_BUCKET": self.buckets["ListsBucket"],
            "KYCGATE_CALLBACK_QUEUE_URL": self.queues["CallbackQueue"],
            "KYCGATE_CALLBACK_DLQ_URL": self.queues.get("CallbackDLQ", ""),
        }


def provision(template: dict[str, Any] | None = None, prefix: str = "kycgate") -> Provisioned:
    template = template or load_template()
    out = Provisioned()
    for name, resource in resources_of_type(template, "AWS::DynamoDB::Table").items():
        out.tables[name] = _create_table(f"{prefix}-{name}", resource["Properties"])
    # Dead-letter queues first: a redrive policy names its target's ARN.
    queues = resources_of_type(template, "AWS::SQS::Queue")
    for name in sorted(queues, key=lambda n: "RedrivePolicy" in queues[n]["Properties"]):
        url = _create_queue(f"{prefix}-{name}", queues[name]["Properties"], out)
        out.queues[name] = url
        out.arns[name] = aws.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
    for name, resource in resources_of_type(template, "AWS::S3::Bucket").items():
        bucket = f"{prefix}-{name}".lower()
        aws.client("s3").create_bucket(Bucket=bucket)
        versioning = resource.get("Properties", {}).get("VersioningConfiguration")
        if versioning:
            aws.client("s3").put_bucket_versioning(Bucket=bucket, VersioningConfiguration=versioning)
        lifecycle = resource.get("Properties", {}).get("LifecycleConfiguration")
        if lifecycle:
            aws.client("s3").put_bucket_lifecycle_configuration(
                Bucket=bucket, LifecycleConfiguration={"Rules": [_lifecycle_rule(r) for r in lifecycle["Rules"]]}
            )
        out.buckets[name] = bucket
    return out


def _lifecycle_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """A CloudFormation lifecycle rule (a tag- or prefix-filtered expiration) in the S3 API's shape."""
    if "TagFilters" in rule:
        (tag,) = rule["TagFilters"]
        where: dict[str, Any] = {"Tag": tag}
    else:
        where = {"Prefix": rule["Prefix"]}
    converted: dict[str, Any] = {"ID": rule["Id"], "Status": rule["Status"], "Filter": where}
    if "ExpirationInDays" in rule:
        converted["Expiration"] = {"Days": rule["ExpirationInDays"]}
    if "NoncurrentVersionExpiration" in rule:
        converted["NoncurrentVersionExpiration"] = rule["NoncurrentVersionExpiration"]
    return converted


def _create_table(table_name: str, props: dict[str, Any]) -> str:
    kwargs: dict[str, Any] = {
        "TableName": table_name,
        "AttributeDefinitions": props["AttributeDefinitions"],
        "KeySchema": props["KeySchema"],
        "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST"),
    }
    if props.get("GlobalSecondaryIndexes"):
        kwargs["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
    client = aws.client("dynamodb")
    client.create_table(**kwargs)
    ttl = props.get("TimeToLiveSpecification")
    if ttl:
        client.update_time_to_live(TableName=table_name, TimeToLiveSpecification=ttl)
    return table_name


def _create_queue(queue_name: str, props: dict[str, Any], out: Provisioned) -> str:
    attributes: dict[str, str] = {}
    for prop in ("VisibilityTimeout", "MessageRetentionPeriod"):
        if prop in props:
            attributes[prop] = str(props[prop])
    redrive = props.get("RedrivePolicy")
    if redrive:
        target = redrive["deadLetterTargetArn"]["Fn::GetAtt"][0]
        attributes["RedrivePolicy"] = json.dumps(
            {"deadLetterTargetArn": out.arns[target], "maxReceiveCount": str(redrive["maxReceiveCount"])}
        )
    return aws.client("sqs").create_queue(QueueName=queue_name, Attributes=attributes)["QueueUrl"]
