"""The OpenAPI description of the contract, served at /openapi.json and rendered at /docs."""

from __future__ import annotations

from typing import Any

_ERROR = {"$ref": "#/components/schemas/Envelope"}


def _responses(*codes: int) -> dict[str, Any]:
    text = {
        200: "OK",
        202: "Accepted: durably queued",
        400: "VALIDATION_ERROR, INVALID_JSON or INVALID_BODY",
        401: "UNAUTHORIZED",
        403: "FORBIDDEN",
        404: "NOT_FOUND",
        405: "METHOD_NOT_ALLOWED",
        413: "PAYLOAD_TOO_LARGE",
        415: "UNSUPPORTED_CONTENT_TYPE",
        429: "RATE_LIMITED (Retry-After)",
        500: "PROCESSING_ERROR",
        503: "SERVICE_UNAVAILABLE (Retry-After)",
    }
    return {
        str(code): {
            "description": text[code],
            "content": {"application/json": {"schema": _ERROR}},
        }
        for code in codes
    }


def _tenant_param() -> dict[str, Any]:
    return {
        "name": "tenant_id",
        "in": "path",
        "required": True,
        "schema": {"$ref": "#/components/schemas/Id"},
    }


def openapi_spec(version: str) -> dict[str, Any]:
    record = {
        "type": "object",
        "required": ["tenant_id", "log_id", "text"],
        "properties": {
            "tenant_id": {"$ref": "#/components/schemas/Id"},
            "log_id": {"$ref": "#/components/schemas/Id"},
            "text": {"type": "string", "minLength": 1, "maxLength": 5000},
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Memory Machines",
            "version": version,
            "description": "Durable multi-tenant log ingestion with PII redaction.",
        },
        "components": {
            "schemas": {
                "Id": {"type": "string", "pattern": "^[A-Za-z0-9_.-]{1,128}$"},
                "Record": record,
                "Envelope": {
                    "type": "object",
                    "properties": {
                        "success": {"type": "boolean"},
                        "data": {"type": ["object", "null"]},
                        "error": {
                            "type": ["object", "null"],
                            "properties": {
                                "code": {"type": "string"},
                                "message": {"type": "string"},
                            },
                        },
                    },
                },
            }
        },
        "paths": {
            "/ingest": {
                "post": {
                    "summary": "Accept a log (JSON), raw text (with X-Tenant-ID) or an NDJSON batch",
                    "parameters": [
                        {"name": "X-Tenant-ID", "in": "header", "schema": {"type": "string"}},
                        {"name": "X-Request-Id", "in": "header", "schema": {"type": "string"}},
                        {"name": "Content-Encoding", "in": "header", "schema": {"enum": ["gzip"]}},
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Record"}},
                            "text/plain": {"schema": {"type": "string"}},
                            "application/x-ndjson": {"schema": {"type": "string"}},
                        },
                    },
                    "responses": _responses(202, 400, 401, 403, 413, 415, 429, 503),
                }
            },
            "/process": {
                "post": {
                    "summary": "Pub/Sub push endpoint (worker on Cloud Run)",
                    "responses": _responses(200, 400, 401, 403, 500),
                }
            },
            "/tenants/{tenant_id}/logs": {
                "get": {
                    "summary": "A tenant's processed logs, newest first",
                    "parameters": [
                        _tenant_param(),
                        {
                            "name": "limit",
                            "in": "query",
                            "schema": {"type": "integer", "maximum": 1000},
                        },
                        {"name": "cursor", "in": "query", "schema": {"type": "string"}},
                    ],
                    "responses": _responses(200, 400, 401, 403),
                }
            },
            "/tenants/{tenant_id}/logs/{log_id}": {
                "get": {
                    "summary": "One processed log (404 until processed)",
                    "parameters": [
                        _tenant_param(),
                        {
                            "name": "log_id",
                            "in": "path",
                            "required": True,
                            "schema": {"$ref": "#/components/schemas/Id"},
                        },
                    ],
                    "responses": _responses(200, 400, 401, 403, 404),
                }
            },
            "/admin/dead-letters": {
                "get": {"summary": "Dead letters", "responses": _responses(200, 401, 403)}
            },
            "/admin/dead-letters/{id}/replay": {
                "post": {
                    "summary": "Re-queue a dead letter with its attempts reset",
                    "parameters": [
                        {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
                    ],
                    "responses": _responses(200, 401, 403, 404),
                }
            },
            "/health": {
                "get": {"summary": "Liveness", "responses": {"200": {"description": "OK"}}}
            },
            "/ready": {
                "get": {
                    "summary": "Readiness: queue and store reachable",
                    "responses": {
                        "200": {"description": "ready"},
                        "503": {"description": "not ready"},
                    },
                }
            },
            "/metrics": {
                "get": {
                    "summary": "JSON metrics; Prometheus text with Accept: text/plain",
                    "responses": {"200": {"description": "OK"}},
                }
            },
        },
    }


DOCS_HTML = """<!doctype html>
<html><head><title>Memory Machines API</title><meta charset="utf-8">
<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css">
</head><body><div id="ui"></div>
<script src="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js"></script>
<script>SwaggerUIBundle({url: "/openapi.json", dom_id: "#ui"});</script>
<noscript>The machine-readable description is at <a href="/openapi.json">/openapi.json</a>.</noscript>
</body></html>
"""
