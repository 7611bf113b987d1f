"""All configuration in one typed object, read from the environment and ``.env``.

Every setting is ``MM_<NAME>`` except the original service's Google Cloud names
(``GCP_PROJECT_ID``, ``PUBSUB_TOPIC_ID``, ...), which are honoured as they were.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from memory_machines.redaction.kinds import ALL_KINDS, parse_kinds


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="MM_", env_file=".env", extra="ignore", populate_by_name=True
    )

    # Backends
    queue: Literal["sqlite", "memory", "pubsub"] = "sqlite"
    store: Literal["sqlite", "memory", "firestore"] = "sqlite"
    data_dir: Path = Path("./data")

    # Ingest limits
    max_text_chars: int = Field(5000, ge=1)
    max_body_bytes: int = Field(10 * 1024 * 1024, ge=1)
    max_batch_lines: int = Field(10_000, ge=1)
    queue_max_depth: int = Field(1_000_000, ge=1)
    tenant_rate_limit_per_s: float = Field(0.0, ge=0)  # 0 = unlimited
    tenant_rate_burst: int = Field(1000, ge=1)
    auth_enabled: bool = False
    api_keys: str | None = None  # "tenant:key,tenant:key"; only digests are kept in memory
    admin_token: str | None = None

    # Processing
    work_seconds_per_char: float = Field(0.05, ge=0)
    worker_concurrency: int = Field(1000, ge=1)
    lease_seconds: float = Field(30.0, gt=0)
    max_attempts: int = Field(5, ge=1)
    retry_backoff_base_seconds: float = Field(1.0, ge=0)
    retry_backoff_max_seconds: float = Field(60.0, ge=0)
    poll_interval_seconds: float = Field(0.05, gt=0)
    shutdown_grace_seconds: float = Field(25.0, ge=0)
    redaction_typed_markers: bool = False
    redaction_kinds: str | None = None  # comma-separated; None = all kinds

    # Chaos (off by default)
    chaos_fail_marker: str | None = None
    chaos_crash_rate: float = Field(0.0, ge=0, le=1)

    # Logging
    log_level: str = "INFO"

    # Runtime, in processes that serve the API: how long a thread may keep the interpreter lock
    # while another waits for it (Python's default is 5 ms). The SQLite writer thread takes it
    # back after every statement, so under load each commit waited behind request parsing:
    # 0.5 ms measured +40% on NDJSON ingest against 5, and 0.1 ms a further +4-8% on
    # single-record ingest and +4-5% on NDJSON against 0.5 (docs/benchmarks.md). A worker-only
    # process keeps Python's default (its loop measured 5% slower at 0.5 ms).
    switch_interval_ms: float = Field(0.1, gt=0, le=100)
    # Runtime, in every server process: allocations of container objects between two
    # collections of the youngest generation (Python's default is 700). A server holds thousands
    # of short-lived objects in flight (a batch's messages, a worker's tasks), so at 700 the
    # collector ran every few hundred records and kept promoting them to older generations,
    # which it then traversed again: 20,000 measured +6% on NDJSON ingest and +4-9% on the
    # worker, single-record ingest unchanged.
    gc_young_threshold: int = Field(20_000, ge=700)

    # Google Cloud (original names kept)
    gcp_project_id: str = Field(
        "local-project", validation_alias=AliasChoices("GCP_PROJECT_ID", "MM_GCP_PROJECT_ID")
    )
    pubsub_topic_id: str = Field(
        "log-ingestion", validation_alias=AliasChoices("PUBSUB_TOPIC_ID", "MM_PUBSUB_TOPIC_ID")
    )
    pubsub_subscription_id: str = Field(
        "log-processing-sub",
        validation_alias=AliasChoices("PUBSUB_SUBSCRIPTION_ID", "MM_PUBSUB_SUBSCRIPTION_ID"),
    )
    pubsub_dead_letter_topic_id: str = Field(
        "log-ingestion-dlq",
        validation_alias=AliasChoices(
            "PUBSUB_DEAD_LETTER_TOPIC_ID", "MM_PUBSUB_DEAD_LETTER_TOPIC_ID"
        ),
    )
    pubsub_dead_letter_subscription_id: str = Field(
        "log-ingestion-dlq-sub",
        validation_alias=AliasChoices(
            "PUBSUB_DEAD_LETTER_SUBSCRIPTION_ID", "MM_PUBSUB_DEAD_LETTER_SUBSCRIPTION_ID"
        ),
    )
    pubsub_publish_timeout_seconds: float = Field(10.0, gt=0)
    push_auth_audience: str | None = None
    push_auth_service_account: str | None = None
    pubsub_ack_deadline_seconds: int = Field(600, ge=10, le=600)
    pubsub_max_lease_seconds: float = Field(3600.0, gt=0)
    firestore_database: str = "(default)"
    firestore_timeout_seconds: float = Field(10.0, gt=0)

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "memory-machines.db"

    @field_validator("redaction_kinds")
    @classmethod
    def _known_kinds(cls, value: str | None) -> str | None:
        """Fail at startup, not on the first message, when a kind is misspelt."""
        if value:
            unknown = {k.strip() for k in value.split(",") if k.strip()} - ALL_KINDS
            if unknown:
                raise ValueError(f"unknown redaction kinds: {', '.join(sorted(unknown))}")
        return value

    def enabled_redaction_kinds(self) -> frozenset[str] | None:
        return parse_kinds(self.redaction_kinds) if self.redaction_kinds else None
