"""One moto stack (from template.yaml) per test module for the lists tests, its lists bucket
emptied and the container's index forgotten before each test. Import the two fixtures by their
function names (``lists_bucket_fixture, lists_stack_fixture``); tests ask for ``lists_bucket``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import moto_stack


@pytest.fixture(scope="module", name="lists_stack")
def lists_stack_fixture() -> Iterator[dict[str, str]]:
    with pytest.MonkeyPatch.context() as patch, moto_stack(patch) as env:
        yield env


@pytest.fixture(name="lists_bucket")
def lists_bucket_fixture(lists_stack: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    from kycgate.compliance import lists
    from kycgate.core import aws
    from kycgate.core.settings import get_settings

    bucket = lists_stack["KYCGATE_LISTS_BUCKET"]
    s3 = aws.client("s3")
    for item in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
        s3.delete_object(Bucket=bucket, Key=item["Key"])
    monkeypatch.setenv("KYCGATE_LISTS_RECHECK_SECONDS", "0")
    get_settings.cache_clear()
    lists.reset()
    yield bucket
    lists.reset()
    get_settings.cache_clear()
