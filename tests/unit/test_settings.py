"""Settings from the environment: prefixed names, the seed's aliases, types and bounds enforced."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from kycgate.core.settings import Settings


def test_defaults_when_nothing_is_set() -> None:
    settings = Settings.from_environment({})
    assert settings.records_table == "kycgate-records"
    assert settings.allow_loopback_callbacks is False
    assert settings.webhook_retry_schedule is None
    assert settings.webhook_timeout_seconds == 15.0


def test_prefixed_names_are_read_and_typed() -> None:
    settings = Settings.from_environment(
        {
            "KYCGATE_RECORDS_TABLE": "records-x",
            "KYCGATE_ALLOW_LOOPBACK_CALLBACKS": "true",
            "KYCGATE_PROOF_URL_TTL_SECONDS": "120",
            "KYCGATE_WEBHOOK_TIMEOUT_SECONDS": "2.5",
            "KYCGATE_WEBHOOK_RETRY_SCHEDULE": "5,300,1800",
            "RECORDS_TABLE": "not-this-one",
        }
    )
    assert settings.records_table == "records-x"
    assert settings.allow_loopback_callbacks is True
    assert settings.proof_url_ttl_seconds == 120
    assert settings.webhook_timeout_seconds == 2.5
    assert settings.webhook_retry_schedule == (5, 300, 1800)


def test_aliases_first_match_wins() -> None:
    assert Settings.from_environment({"AWS_DEFAULT_REGION": "eu-west-1"}).aws_region == "eu-west-1"
    both = {"AWS_REGION": "eu-central-1", "AWS_DEFAULT_REGION": "eu-west-1"}
    assert Settings.from_environment(both).aws_region == "eu-central-1"
    seed_name = {"BASE_URL_FRONTEND": "https://kyc.example.com"}
    assert Settings.from_environment(seed_name).base_url_frontend == "https://kyc.example.com"
    both = {**seed_name, "KYCGATE_BASE_URL_FRONTEND": "https://own.example.com"}
    assert Settings.from_environment(both).base_url_frontend == "https://own.example.com"


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("KYCGATE_WEBHOOK_RETRY_SCHEDULE", "5,soon", "comma-separated seconds"),
        ("KYCGATE_WEBHOOK_RETRY_SCHEDULE", "0,5", "1 to 15 steps"),
        ("KYCGATE_WEBHOOK_TIMEOUT_SECONDS", "60", "less than or equal to 25"),
        ("KYCGATE_ALLOW_LOOPBACK_CALLBACKS", "perhaps", "valid boolean"),
        ("KYCGATE_PROOF_URL_TTL_SECONDS", "five", "valid integer"),
    ],
)
def test_bad_values_fail_loudly(variable: str, value: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Settings.from_environment({variable: value})


def test_blank_schedule_means_the_default() -> None:
    assert Settings.from_environment({"KYCGATE_WEBHOOK_RETRY_SCHEDULE": " "}).webhook_retry_schedule is None


def test_lists_settings() -> None:
    from kycgate.core.settings import OFFICIAL_LIST_URLS

    defaults = Settings.from_environment({})
    assert defaults.lists == OFFICIAL_LIST_URLS and defaults.lists_bucket == "kycgate-lists"
    assert defaults.lists_index_path == "" and defaults.lists_max_shrink == 0.1
    given = Settings.from_environment(
        {"KYCGATE_LISTS": " ../data/ofac , https://example.org/consolidated.xml,", "KYCGATE_LISTS_BUCKET": "b"}
    )
    assert given.lists == ("../data/ofac", "https://example.org/consolidated.xml")
    assert given.lists_bucket == "b"
    with pytest.raises(ValidationError, match="less than or equal to 1"):
        Settings.from_environment({"KYCGATE_LISTS_MAX_SHRINK": "1.5"})


def test_provider_base_urls_are_name_url_pairs() -> None:
    settings = Settings.from_environment(
        {"KYCGATE_PROVIDER_BASE_URLS": "vouched=http://127.0.0.1:8101/, sumsub=http://127.0.0.1:8102"}
    )
    assert settings.provider_base_urls == {"vouched": "http://127.0.0.1:8101", "sumsub": "http://127.0.0.1:8102"}
    assert Settings.from_environment({}).provider_base_urls == {}
    with pytest.raises(ValidationError, match="name=http"):
        Settings.from_environment({"KYCGATE_PROVIDER_BASE_URLS": "vouched=ftp://x"})
