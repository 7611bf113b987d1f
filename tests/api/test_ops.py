"""Operations endpoints: /health, /ready, /metrics (JSON or Prometheus), /docs and /openapi.json."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from memory_machines import BUILDS, __version__
from memory_machines.errors import QueueUnavailable, StoreUnavailable
from tests.api.support import Api, assert_accepted, assert_error, record

# -- /health --------------------------------------------------------------------------------------


async def test_health_is_a_bare_object_not_an_envelope(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "status": "healthy",
        "service": "memory-machines",
        "version": __version__,
    }


# -- /ready ---------------------------------------------------------------------------------------


async def test_ready_when_queue_and_store_answer(client: httpx.AsyncClient) -> None:
    response = await client.get("/ready")
    assert response.status_code == 200
    assert response.json() == {"success": True, "data": {"status": "ready"}, "error": None}


async def test_not_ready_when_the_queue_is_unreachable(api: Api) -> None:
    await api.queue.close()
    response = await api.client.get("/ready")
    body = assert_error(response, "SERVICE_UNAVAILABLE")
    assert "queue" in body["error"]["message"]
    assert int(response.headers["retry-after"]) >= 1


async def test_not_ready_when_the_store_is_unreachable(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def unreachable() -> None:
        raise StoreUnavailable("store is down")

    monkeypatch.setattr(api.service.store, "ping", unreachable)
    body = assert_error(await api.client.get("/ready"), "SERVICE_UNAVAILABLE")
    assert "store" in body["error"]["message"]


# -- /metrics -------------------------------------------------------------------------------------


async def test_metrics_are_a_bare_json_object_by_default(api: Api) -> None:
    assert_accepted(await api.post_json(record(log_id="m1")))
    assert_error(await api.post_json(record(text=" ")), "VALIDATION_ERROR")
    assert_accepted(await api.post_ndjson([record(log_id="m2"), b"{"]))

    response = await api.client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    metrics = response.json()
    assert "success" not in metrics
    assert metrics["requests_total"] == 3
    assert metrics["requests_accepted"] == 2
    assert metrics["requests_rejected"] == 1
    assert metrics["requests_by_outcome"] == {"accepted": 2, "VALIDATION_ERROR": 1}
    assert metrics["records_accepted"] == 2
    assert metrics["records_rejected"] == 1
    assert metrics["queue_depth"] == 2
    for key in (
        "uptime_s",
        "messages_processed",
        "messages_dead_lettered",
        "in_flight",
        "processing_seconds",
    ):
        assert key in metrics
    assert metrics["redaction_build"] == BUILDS["redaction"]
    assert metrics["request_path_build"] == BUILDS["request_path"]


async def test_an_all_rejected_batch_is_counted_under_its_error_code(api: Api) -> None:
    assert_error(await api.post_ndjson([b"{", record(text=" ")]), "VALIDATION_ERROR")
    metrics = (await api.client.get("/metrics")).json()
    assert metrics["requests_by_outcome"] == {"VALIDATION_ERROR": 1}
    assert metrics["records_rejected"] == 2


@pytest.mark.parametrize(
    "accept",
    [
        "text/plain",
        "text/plain; version=0.0.4",
        "application/openmetrics-text; version=1.0.0",
        "text/plain;q=0.9, */*",
    ],
)
async def test_metrics_are_prometheus_text_when_accept_asks_for_it(api: Api, accept: str) -> None:
    assert_accepted(await api.post_json(record()))
    response = await api.client.get("/metrics", headers={"accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert "# TYPE mm_requests_total counter" in text
    assert 'mm_requests_total{outcome="accepted"} 1' in text
    assert "mm_queue_depth 1" in text
    labels = ",".join(
        f'{unit}="{"compiled" if build == "compiled" else "interpreted"}"'
        for unit, build in BUILDS.items()
    )
    assert f"mm_build_info{{{labels}}} 1" in text
    sample = re.compile(r'^[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? -?[0-9.e+]+$')
    for line in text.splitlines():
        assert line.startswith("# ") or sample.match(line), line


@pytest.mark.parametrize("accept", ["application/json", "*/*", ""])
async def test_metrics_stay_json_for_other_accept_headers(
    client: httpx.AsyncClient, accept: str
) -> None:
    response = await client.get("/metrics", headers={"accept": accept})
    assert response.headers["content-type"] == "application/json"
    assert "requests_total" in response.json()


async def test_metrics_still_answer_when_the_queue_is_unreachable(api: Api) -> None:
    await api.queue.close()
    response = await api.client.get("/metrics")
    assert response.status_code == 200
    assert response.json()["queue_depth"] is None


async def test_metrics_survive_a_queue_whose_depth_fails_unexpectedly(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken() -> int:
        raise QueueUnavailable("depth unknown")

    monkeypatch.setattr(api.queue, "depth", broken)
    response = await api.client.get("/metrics", headers={"accept": "text/plain"})
    assert response.status_code == 200
    assert "mm_queue_depth" not in response.text


# -- /docs and /openapi.json ----------------------------------------------------------------------


async def test_docs_are_an_html_page_pointing_at_the_openapi_description(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/docs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "/openapi.json" in response.text


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for value in node.values() for r in _refs(value)]
    if isinstance(node, list):
        return [r for value in node for r in _refs(value)]
    return []


async def test_the_openapi_description_is_well_formed(client: httpx.AsyncClient) -> None:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    spec = response.json()

    assert spec["openapi"].startswith("3.")
    assert spec["info"]["title"]
    assert spec["info"]["version"] == __version__
    for ref in _refs(spec):
        assert ref.startswith("#/"), ref
        node: Any = spec
        for part in ref[2:].split("/"):
            node = node[part]
    for path, item in spec["paths"].items():
        assert path.startswith("/")
        for name in re.findall(r"{([^}]+)}", path):
            assert any(
                p["name"] == name and p["in"] == "path"
                for op in item.values()
                for p in op.get("parameters", [])
            )
        for method, operation in item.items():
            assert method in {"get", "post", "put", "delete", "patch"}
            assert operation["responses"]
            for status in operation["responses"]:
                assert re.fullmatch(r"[1-5][0-9][0-9]", status), (path, status)


async def test_the_openapi_description_covers_every_route(api: Api) -> None:
    spec = (await api.client.get("/openapi.json")).json()
    documented = {(method.upper(), path) for path, item in spec["paths"].items() for method in item}
    expected = {
        ("POST", "/ingest"),
        ("POST", "/process"),
        ("GET", "/health"),
        ("GET", "/ready"),
        ("GET", "/metrics"),
        ("GET", "/tenants/{tenant_id}/logs"),
        ("GET", "/tenants/{tenant_id}/logs/{log_id}"),
        ("GET", "/admin/dead-letters"),
        ("POST", "/admin/dead-letters/{id}/replay"),
    }
    assert expected <= documented
    ingest = spec["paths"]["/ingest"]["post"]
    assert set(ingest["requestBody"]["content"]) >= {
        "application/json",
        "text/plain",
        "application/x-ndjson",
    }
    assert {"202", "400", "413", "415", "429", "503"} <= set(ingest["responses"])
