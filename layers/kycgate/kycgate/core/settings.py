"""Runtime settings, read once per process from the environment."""

from __future__ import annotations

from functools import lru_cache

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KYCGATE_", extra="ignore")

    records_table: str = "kycgate-records"
    sessions_table: str = "kycgate-sessions"
    proofs_bucket: str = "kycgate-proofs"
    callback_queue_url: str = ""
    aws_region: str = Field(
        default="us-east-1", validation_alias=AliasChoices("AWS_REGION", "AWS_DEFAULT_REGION")
    )

    face_matcher: str = "sface"
    proof_url_ttl_seconds: int = 300
    # Seed 000 names this setting BASE_URL_FRONTEND; the kycgate-prefixed name works too.
    base_url_frontend: str = Field(
        default="", validation_alias=AliasChoices("KYCGATE_BASE_URL_FRONTEND", "BASE_URL_FRONTEND")
    )
    # Local mode only: lets callbacks and redirects target http://127.0.0.1 so a developer can
    # receive webhooks on a laptop. Never set in AWS (template.yaml pins it to false).
    allow_loopback_callbacks: bool = False
    max_body_bytes: int = 20 * 1024 * 1024


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
