"""The Pub/Sub push endpoint: envelopes in, statuses out (Pub/Sub acks on 2xx, retries on the rest)."""

from __future__ import annotations

import base64
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from google.auth import crypt, jwt

from memory_machines.gcp.failures import MemoryFailureLog, failure_key
from memory_machines.gcp.oidc import PushVerifier
from memory_machines.gcp.push import handle_push
from memory_machines.message import Message
from memory_machines.processing import Processor
from memory_machines.service import build_processor
from memory_machines.settings import Settings
from memory_machines.store.base import Store
from memory_machines.store.firestore import FirestoreStore
from memory_machines.store.memory import MemoryStore
from tests.gcp.emulators import Emulator, free_port
from tests.gcp.support import gcp_settings

AUDIENCE = "https://worker.example.run.app/process"
SERVICE_ACCOUNT = "push@project.iam.gserviceaccount.com"


def make_message(text: str = "card 4111 1111 1111 1111 from bob@example.com") -> Message:
    return Message.create(
        tenant_id="tenant-a", log_id="log-1", text=text, source="text_upload", correlation_id="c-1"
    )


def envelope(message: Message, *, attempt: int | None = 1, **changes: Any) -> bytes:
    pushed: dict[str, Any] = {
        "data": base64.b64encode(message.data()).decode(),
        "attributes": message.attributes(),
        "messageId": "1234",
        "publishTime": "2025-01-01T00:00:00Z",
    }
    pushed.update(changes)
    body: dict[str, Any] = {"message": pushed, "subscription": "projects/p/subscriptions/s"}
    if attempt is not None:
        body["deliveryAttempt"] = attempt
    return orjson.dumps(body)


@pytest.fixture
def settings() -> Settings:
    return gcp_settings(work_seconds_per_char=0.0, chaos_fail_marker="FAIL-ME")


@pytest.fixture
def processor(settings: Settings) -> Processor:
    return build_processor(settings)


@pytest.fixture
async def firestore(
    firestore_emulator: Emulator, monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> AsyncIterator[FirestoreStore]:
    monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", firestore_emulator.host)
    async with FirestoreStore.from_settings(settings) as store:
        assert isinstance(store, FirestoreStore)
        yield store


async def push(
    body: bytes,
    store: Store,
    processor: Processor,
    settings: Settings,
    headers: dict[str, str] | None = None,
    **kwargs: Any,
) -> tuple[int, dict[str, Any]]:
    return await handle_push(
        body, headers or {}, store=store, processor=processor, settings=settings, **kwargs
    )


@pytest.mark.gcp
@pytest.mark.integration
async def test_a_valid_push_is_processed_and_stored_with_its_delivery_attempt(
    firestore: FirestoreStore, processor: Processor, settings: Settings
) -> None:
    message = make_message()

    status, body = await push(envelope(message, attempt=3), firestore, processor, settings)

    assert status == 200
    assert body["success"] is True and body["error"] is None
    assert body["data"]["status"] == "processed"
    assert body["data"]["delivery_attempt"] == 3
    stored = await firestore.get("tenant-a", "log-1")
    assert stored is not None
    assert stored.delivery_attempt == 3
    assert stored.correlation_id == "c-1"
    assert "bob@example.com" not in stored.modified_data


@pytest.mark.gcp
@pytest.mark.integration
async def test_a_redelivered_push_is_acknowledged_as_a_duplicate_without_reprocessing(
    firestore: FirestoreStore, processor: Processor, settings: Settings
) -> None:
    message = make_message()
    await push(envelope(message, attempt=1), firestore, processor, settings)
    first = await firestore.get("tenant-a", "log-1")

    status, body = await push(envelope(message, attempt=2), firestore, processor, settings)

    assert status == 200
    assert body["data"]["status"] == "duplicate"
    assert await firestore.get("tenant-a", "log-1") == first


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"not json", "INVALID_ENVELOPE"),
        (b"[1, 2]", "INVALID_ENVELOPE"),
        (b"{}", "MISSING_MESSAGE"),
        (b'{"message": "text"}', "MISSING_MESSAGE"),
        (b'{"message": {"data": "aGk="}}', "MISSING_ATTRIBUTES"),
        (b'{"message": {"data": "aGk=", "attributes": {"tenant_id": "t"}}}', "MISSING_ATTRIBUTES"),
        (envelope(make_message(), data="***not base64***"), "INVALID_BASE64"),
        (envelope(make_message(), data=42), "INVALID_BASE64"),
        (
            envelope(make_message(), attributes={**make_message().attributes(), "log_id": "../x"}),
            "VALIDATION_ERROR",
        ),
        (
            envelope(make_message(), attributes={**make_message().attributes(), "log_id": 7}),
            "INVALID_ENVELOPE",
        ),
    ],
    ids=[
        "not-json",
        "not-an-object",
        "no-message",
        "message-not-object",
        "no-attributes",
        "attributes-incomplete",
        "bad-base64",
        "data-not-string",
        "id-escaping-its-tenant",
        "attribute-not-string",
    ],
)
async def test_an_envelope_that_cannot_be_a_message_is_a_400_with_its_code(
    body: bytes, code: str, processor: Processor, settings: Settings
) -> None:
    store = MemoryStore()

    status, answer = await push(body, store, processor, settings)

    assert status == 400
    assert (answer["success"], answer["data"], answer["error"]["code"]) == (False, None, code)
    assert store.count("tenant-a") == 0


async def test_a_missing_delivery_attempt_counts_as_the_first(
    processor: Processor, settings: Settings
) -> None:
    store = MemoryStore()

    status, _ = await push(envelope(make_message(), attempt=None), store, processor, settings)

    assert status == 200
    stored = await store.get("tenant-a", "log-1")
    assert stored is not None and stored.delivery_attempt == 1


async def test_a_processing_failure_is_a_500_and_its_error_is_recorded(
    processor: Processor, settings: Settings
) -> None:
    failures = MemoryFailureLog()
    message = make_message(text="please FAIL-ME")

    status, body = await push(
        envelope(message, attempt=2), MemoryStore(), processor, settings, failures=failures
    )

    assert status == 500
    assert body["error"]["code"] == "PROCESSING_ERROR"
    [record] = (await failures.lookup([failure_key(message.attributes())])).values()
    assert record.attempts == 2
    assert "chaos fail marker" in record.last_error


@pytest.mark.gcp
@pytest.mark.integration
async def test_an_unreachable_store_is_a_500_so_that_pub_sub_retries(
    processor: Processor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", f"127.0.0.1:{free_port()}")
    settings = gcp_settings(firestore_timeout_seconds=1.0)

    async with FirestoreStore.from_settings(settings) as store:
        status, body = await push(envelope(make_message()), store, processor, settings)

    assert status == 500
    assert body["error"]["code"] == "PROCESSING_ERROR"


# -- push authentication ---------------------------------------------------------------------


@dataclass
class _Response:
    status: int
    data: bytes


class FakeGoogleCerts:
    """Serves a locally generated signing certificate where Google's would be fetched."""

    def __init__(self) -> None:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test-signer")])
        now = datetime.now(UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(1)
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=1))
            .sign(key, hashes.SHA256())
        )
        pem_key = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        self.signer = crypt.RSASigner.from_string(pem_key, key_id="key-1")  # type: ignore[no-untyped-call]
        self.certs = {"key-1": cert.public_bytes(serialization.Encoding.PEM).decode()}
        self.fetches = 0

    def __call__(self, url: str, method: str = "GET", **kwargs: Any) -> _Response:
        self.fetches += 1
        return _Response(200, orjson.dumps(self.certs))

    def token(self, **claims: Any) -> str:
        now = int(time.time())
        payload = {
            "iss": "https://accounts.google.com",
            "aud": AUDIENCE,
            "email": SERVICE_ACCOUNT,
            "email_verified": True,
            "sub": "1234567890",
            "iat": now,
            "exp": now + 600,
            **claims,
        }
        token: bytes = jwt.encode(self.signer, payload)  # type: ignore[no-untyped-call]
        return token.decode()


@pytest.fixture
def google() -> FakeGoogleCerts:
    return FakeGoogleCerts()


@pytest.fixture
def verifier(google: FakeGoogleCerts) -> PushVerifier:
    return PushVerifier(AUDIENCE, SERVICE_ACCOUNT, request=google)


@pytest.fixture
def auth_settings() -> Settings:
    return gcp_settings(
        work_seconds_per_char=0.0,
        push_auth_audience=AUDIENCE,
        push_auth_service_account=SERVICE_ACCOUNT,
    )


async def test_a_push_with_a_valid_token_of_the_push_account_is_processed(
    verifier: PushVerifier, google: FakeGoogleCerts, auth_settings: Settings
) -> None:
    processor = build_processor(auth_settings)
    store = MemoryStore()
    headers = {"authorization": f"Bearer {google.token()}"}

    for log_id in ("a", "b"):
        message = Message.create(
            tenant_id="t", log_id=log_id, text="hi", source="text_upload", correlation_id="c"
        )
        status, _ = await push(
            envelope(message), store, processor, auth_settings, headers, verifier=verifier
        )
        assert status == 200
    assert google.fetches == 1  # certificates are cached between requests


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({}, 401, "UNAUTHORIZED"),
        ({"authorization": "Basic dXNlcjpwdw=="}, 401, "UNAUTHORIZED"),
        ({"authorization": "Bearer not-a-jwt"}, 401, "UNAUTHORIZED"),
    ],
    ids=["no-header", "not-bearer", "garbage-token"],
)
async def test_a_push_without_a_usable_token_is_unauthorized(
    headers: dict[str, str],
    status: int,
    code: str,
    verifier: PushVerifier,
    auth_settings: Settings,
) -> None:
    result = await push(
        envelope(make_message()),
        MemoryStore(),
        build_processor(auth_settings),
        auth_settings,
        headers,
        verifier=verifier,
    )

    assert result[0] == status
    assert result[1]["error"]["code"] == code


@pytest.mark.parametrize(
    ("claims", "status", "code"),
    [
        ({"aud": "https://someone-else.example"}, 401, "UNAUTHORIZED"),
        ({"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}, 401, "UNAUTHORIZED"),
        ({"iss": "https://evil.example"}, 401, "UNAUTHORIZED"),
        ({"email": "intruder@project.iam.gserviceaccount.com"}, 403, "FORBIDDEN"),
        ({"email_verified": False}, 403, "FORBIDDEN"),
    ],
    ids=["wrong-audience", "expired", "wrong-issuer", "other-account", "unverified-email"],
)
async def test_a_signed_token_that_is_not_for_us_is_refused(
    claims: dict[str, Any],
    status: int,
    code: str,
    verifier: PushVerifier,
    google: FakeGoogleCerts,
    auth_settings: Settings,
) -> None:
    headers = {"Authorization": f"Bearer {google.token(**claims)}"}

    result = await push(
        envelope(make_message()),
        MemoryStore(),
        build_processor(auth_settings),
        auth_settings,
        headers,
        verifier=verifier,
    )

    assert result[0] == status
    assert result[1]["error"]["code"] == code


async def test_a_token_signed_by_an_unknown_key_is_unauthorized(
    verifier: PushVerifier, auth_settings: Settings
) -> None:
    stranger = FakeGoogleCerts()  # same claims, different key
    headers = {"authorization": f"Bearer {stranger.token()}"}

    status, body = await push(
        envelope(make_message()),
        MemoryStore(),
        build_processor(auth_settings),
        auth_settings,
        headers,
        verifier=verifier,
    )

    assert status == 401
    assert body["error"]["code"] == "UNAUTHORIZED"
