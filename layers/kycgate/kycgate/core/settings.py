"""Runtime settings, read once per process from the environment.

A plain pydantic model over ``os.environ`` rather than pydantic-settings: the environment is the only
source (no dotenv files, no CLI, no secrets directory), and pydantic-settings with its imports costs
about 20 ms of every cold start. Pydantic still does the typing and the bounds.
"""

import os
from collections.abc import Mapping
from functools import lru_cache
from typing import Literal, Self
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

_PREFIX = "KYCGATE_"
# Settings read from more than the prefixed name, first match wins.
_ENVIRONMENT_NAMES = {
    "aws_region": ("AWS_REGION", "AWS_DEFAULT_REGION"),
    # Seed 000 names this setting BASE_URL_FRONTEND; the kycgate-prefixed name works too.
    "base_url_frontend": ("KYCGATE_BASE_URL_FRONTEND", "BASE_URL_FRONTEND"),
}


# The sanctions lists' official publications (the SDN legacy CSV trio and the UN consolidated
# XML): what `refresh_lists` fetches in AWS and `kycgate serve` imports when KYCGATE_LISTS is unset.
OFFICIAL_LIST_URLS = (
    "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/SDN.CSV",
    "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/ALT.CSV",
    "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/ADD.CSV",
    "https://scsanctions.un.org/resources/xml/en/consolidated.xml",
)


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    records_table: str = "kycgate-records"
    sessions_table: str = "kycgate-sessions"
    proofs_bucket: str = "kycgate-proofs"
    callback_queue_url: str = ""
    callback_dlq_url: str = ""
    aws_region: str = "us-east-1"

    face_matcher: str = "sface"
    proof_url_ttl_seconds: int = 300
    base_url_frontend: str = ""
    # Local mode only: lets callbacks and redirects target http://127.0.0.1 so a developer can
    # receive webhooks on a laptop. Never set in AWS (template.yaml pins it to false).
    allow_loopback_callbacks: bool = False
    max_body_bytes: int = 20 * 1024 * 1024
    # Signs list cursors (core.listing); template.yaml sets it from a Secrets Manager secret.
    list_cursor_key: SecretStr = SecretStr("")

    # Verification codes (seed 002 signatures): "aws" sends SMS through SNS and e-mail through SES from
    # code_email_sender (a verified SES identity); "local" (kycgate serve) prints each code to the
    # console and appends it to the JSON-lines file local_outbox_path, where a developer or a test reads it.
    code_delivery: Literal["aws", "local"] = "aws"
    code_email_sender: str = ""
    local_outbox_path: str = ""

    # Webhook delivery. The retry schedule is comma-separated seconds ("5,300,1800"); unset means
    # webhooks.backoff's default (about 5 s up to 24 h, ten attempts in all).
    webhook_retry_schedule: tuple[int, ...] | None = None
    webhook_timeout_seconds: float = Field(default=15.0, gt=0, le=25)
    # A pending delivery is re-sent to the queue by the outbox sweeper once it is this overdue.
    webhook_sweep_grace_seconds: int = Field(default=60, ge=1)
    # After a rotation the previous secret keeps signing (beside the new one) for this long.
    webhook_secret_overlap_seconds: int = Field(default=86400, ge=0)

    # Chain data for KYA's txlist (compliance/chains/explorers.py). Empty means no explorer for that
    # chain: txlist is []. Operator settings, not tenant input, so not put through the callback SSRF
    # guard (a self-hosted Esplora inside the VPC is the private way to run one); https is required
    # except on loopback, so that an API key never crosses a network in clear.
    btc_explorer_url: str = ""  # an Esplora API base, e.g. https://blockstream.info/api
    eth_explorer_url: str = ""  # an Etherscan-style API, e.g. https://api.etherscan.io/v2/api
    eth_explorer_api_key: SecretStr = SecretStr("")
    eth_explorer_chain_id: int = Field(default=1, ge=1)
    # Per HTTP attempt; a call makes at most 3 attempts (explorers.py says the whole bound).
    explorer_timeout_seconds: float = Field(default=5.0, gt=0, le=25)
    explorer_max_transactions: int = Field(default=50, ge=1, le=500)

    # Screening lists. The compiled index lives in this bucket (versioned keys + a "current"
    # pointer); `lists_index_path` loads an index file instead (local use, benchmarks).
    lists_bucket: str = "kycgate-lists"
    lists_index_path: str = ""
    # Paths or URLs to import (comma-separated): refresh_lists in AWS, `kycgate serve` at start.
    lists: tuple[str, ...] = OFFICIAL_LIST_URLS
    # An import whose entries fall by more than this share against the live index is refused
    # (a truncated file); `kycgate lists import --allow-shrink` overrides.
    lists_max_shrink: float = Field(default=0.1, ge=0, le=1)
    lists_fetch_timeout_seconds: float = Field(default=60.0, gt=0, le=600)
    # How often a warm container looks at the "current" pointer for a newer index.
    lists_recheck_seconds: int = Field(default=300, ge=0)

    # Provider gateway: base URLs replacing the providers' own, "vouched=http://127.0.0.1:8101,sumsub=..."
    # (make serve points them at the local fakes). A tenant credential's own base_url wins over these.
    provider_base_urls: dict[str, str] = {}

    # IDV tasks (seed 001): the points one checked task costs (an initiation needs more than
    # idv_points_floor remaining), and how long an sdk_token or hosted-page token works.
    idv_points_cost: int = Field(default=100, ge=0)
    idv_points_floor: int = Field(default=500, ge=0)
    idv_token_ttl_seconds: int = Field(default=900, ge=60, le=86400)

    @field_validator("btc_explorer_url", "eth_explorer_url")
    @classmethod
    def _check_explorer_url(cls, value: str) -> str:
        if not value:
            return value
        parts = urlsplit(value)
        loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
        if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
            raise ValueError("an explorer URL must use https (http only on 127.0.0.1/localhost)")
        if not parts.hostname or parts.username or parts.password or parts.query or parts.fragment:
            raise ValueError("an explorer URL is a scheme, host and path, without credentials, query or fragment")
        return value.rstrip("/")

    @field_validator("provider_base_urls", mode="before")
    @classmethod
    def _parse_base_urls(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        urls: dict[str, str] = {}
        for item in filter(None, (part.strip() for part in value.split(","))):
            name, sep, url = item.partition("=")
            if not sep or not name.strip() or not url.strip().startswith(("http://", "https://")):
                raise ValueError(f"provider base URLs must be name=http(s)://... pairs, got {item!r}")
            urls[name.strip()] = url.strip().rstrip("/")
        return urls

    @field_validator("webhook_retry_schedule", mode="before")
    @classmethod
    def _parse_schedule(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        if not value.strip():
            return None
        try:
            steps = tuple(int(part) for part in value.split(","))
        except ValueError as exc:
            raise ValueError(f"webhook retry schedule must be comma-separated seconds, got {value!r}") from exc
        if not 1 <= len(steps) <= 15 or not all(1 <= step <= 86400 for step in steps):
            raise ValueError("webhook retry schedule needs 1 to 15 steps, each 1 to 86400 seconds")
        return steps

    @field_validator("lists", mode="before")
    @classmethod
    def _parse_lists(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        return tuple(part.strip() for part in value.split(",") if part.strip())

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> Self:
        """Each field from ``KYCGATE_<FIELD>`` (or its listed aliases); a field not set keeps its default."""
        values: dict[str, str] = {}
        for name in cls.model_fields:
            for variable in _ENVIRONMENT_NAMES.get(name, (_PREFIX + name.upper(),)):
                if variable in environ:
                    values[name] = environ[variable]
                    break
        return cls.model_validate(values)


@lru_cache(maxsize=1)
def get_settings() -> Self:
    return Settings.from_environment()
