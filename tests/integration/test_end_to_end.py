"""End to end through a real server process: every format in, every document back out."""

from __future__ import annotations

import gzip
from pathlib import Path

import httpx
import orjson

from tests.integration.server import ServerProcess, all_log_ids, run_cli, wait_for


def _post_mix(client: httpx.Client) -> dict[tuple[str, str], str]:
    """Post JSON, text and NDJSON for three tenants; return {(tenant, log_id): text}."""
    expected: dict[tuple[str, str], str] = {}
    for tenant in ("alpha", "beta", "gamma"):
        # The same log_id under every tenant must give one document per tenant.
        text = f"User 555-0199 of {tenant} mailed ops@example.com from 10.0.0.7"
        r = client.post("/ingest", json={"tenant_id": tenant, "log_id": "shared-id", "text": text})
        assert r.status_code == 202, r.text
        expected[(tenant, "shared-id")] = text

        r = client.post(
            "/ingest",
            content=f"plain text for {tenant}",
            headers={"Content-Type": "text/plain", "X-Tenant-ID": tenant},
        )
        assert r.status_code == 202, r.text
        expected[(tenant, r.json()["data"]["log_id"])] = f"plain text for {tenant}"

        lines = [
            {"tenant_id": tenant, "log_id": f"batch-{i}", "text": f"batch line {i} SSN 123-45-6789"}
            for i in range(20)
        ]
        body = gzip.compress(b"\n".join(orjson.dumps(line) for line in lines))
        r = client.post(
            "/ingest",
            content=body,
            headers={
                "Content-Type": "application/x-ndjson",
                "Content-Encoding": "gzip",
                "X-Request-Id": f"batch-{tenant}",
            },
        )
        assert r.status_code == 202, r.text
        assert r.json()["data"]["accepted"] == 20
        for line in lines:
            expected[(tenant, line["log_id"])] = line["text"]
    return expected


def _check_documents(client: httpx.Client, expected: dict[tuple[str, str], str]) -> None:
    def all_stored() -> bool:
        return all(client.get(f"/tenants/{t}/logs/{i}").status_code == 200 for t, i in expected)

    wait_for(all_stored, 60, "not every accepted log was stored")
    for (tenant, log_id), text in expected.items():
        doc = client.get(f"/tenants/{tenant}/logs/{log_id}").json()["data"]
        assert doc["tenant_id"] == tenant
        assert doc["original_text"] == text
        assert doc["delivery_attempt"] == 1
        assert "555-0199" not in doc["modified_data"]
        assert "123-45-6789" not in doc["modified_data"]
        assert "ops@example.com" not in doc["modified_data"]
        assert "[REDACTED" in doc["modified_data"] or "plain text" in text
        for field in (
            "source",
            "processed_at",
            "content_hash",
            "correlation_id",
            "received_at",
            "redactions",
        ):
            assert field in doc
        if log_id.startswith("batch-"):
            assert doc["correlation_id"] == f"batch-{tenant}"
            assert doc["source"] == "json_upload"

    for tenant in ("alpha", "beta", "gamma"):
        ids = all_log_ids(client, tenant)
        assert sorted(ids) == sorted(i for t, i in expected if t == tenant)
        shared = client.get(f"/tenants/{tenant}/logs/shared-id").json()["data"]
        assert tenant in shared["original_text"]


def test_mixed_formats_for_several_tenants_are_stored_redacted_and_isolated(tmp_path: Path) -> None:
    with (
        ServerProcess(tmp_path, work_seconds_per_char=0.001) as server,
        httpx.Client(base_url=server.url, timeout=10) as client,
    ):
        expected = _post_mix(client)
        _check_documents(client, expected)
        assert client.get("/tenants/delta/logs").json()["data"]["items"] == []


def test_api_and_worker_as_separate_processes_share_the_embedded_database(tmp_path: Path) -> None:
    api = ServerProcess(tmp_path, "api", work_seconds_per_char=0.001)
    worker = ServerProcess(tmp_path, "worker", work_seconds_per_char=0.001)
    with api, httpx.Client(base_url=api.url, timeout=10) as client:
        expected = _post_mix(client)
        worker.start()
        try:
            _check_documents(client, expected)
        finally:
            assert worker.terminate() == 0
            assert '"msg":"stopped"' in worker.logs()


def test_reposting_stored_content_is_a_duplicate_that_keeps_the_document(tmp_path: Path) -> None:
    with (
        ServerProcess(tmp_path, work_seconds_per_char=0) as server,
        httpx.Client(base_url=server.url, timeout=10) as client,
    ):
        record = {"tenant_id": "acme", "log_id": "dup", "text": "same text"}
        client.post("/ingest", json=record, headers={"X-Request-Id": "first"})
        wait_for(lambda: client.get("/tenants/acme/logs/dup").status_code == 200, 30)

        assert (
            client.post("/ingest", json=record, headers={"X-Request-Id": "second"}).status_code
            == 202
        )
        wait_for(lambda: client.get("/metrics").json()["messages_duplicate"] == 1, 30)
        assert client.get("/tenants/acme/logs/dup").json()["data"]["correlation_id"] == "first"


def test_cli_help_lists_every_command(tmp_path: Path) -> None:
    for args in (
        ["--help"],
        ["serve", "--help"],
        ["api", "--help"],
        ["worker", "--help"],
        ["dlq", "list", "--help"],
        ["dlq", "replay", "--help"],
    ):
        result = run_cli(tmp_path, *args)
        assert result.returncode == 0, result.stderr
        assert "usage" in result.stdout.lower()


def test_invalid_settings_stop_the_command_with_a_clear_message(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "worker", redaction_kinds="email,bogus")
    assert result.returncode == 2
    assert "unknown redaction kinds: bogus" in result.stderr
    assert "Traceback" not in result.stderr


def test_keys_create_prints_a_key_and_its_digest_entry(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "keys", "create", "acme")
    assert result.returncode == 0, result.stderr
    lines = dict(line.split(":", 1) for line in result.stdout.splitlines()[:2])
    key, entry = lines["key"].strip(), lines["entry"].strip()
    import hashlib

    assert entry == f"acme:sha256:{hashlib.sha256(key.encode()).hexdigest()}"
    assert run_cli(tmp_path, "keys", "create", "../x").returncode == 2
