"""Payloads: the format mix, unique valid ids, log-like text carrying PII."""

from __future__ import annotations

import random
import re
from collections import Counter

import orjson
import pytest

from memory_machines.loadtest.config import LoadConfig, Mix
from memory_machines.loadtest.generator import KindCycle, PayloadGenerator, make_text

SERVICE_ID = re.compile(r"[A-Za-z0-9_.-]{1,128}")


def config(**overrides: object) -> LoadConfig:
    base: dict[str, object] = {"url": "http://127.0.0.1:1", "run_id": "lt-test", "seed": 7}
    return LoadConfig(**(base | overrides))  # type: ignore[arg-type]


def test_the_mix_is_exact_over_each_cycle_and_interleaved() -> None:
    cycle = KindCycle(Mix(6, 3, 1))
    kinds = [cycle.next() for _ in range(100)]
    assert Counter(kinds) == {"json": 60, "text": 30, "ndjson": 10}
    assert "".join(k[0] for k in kinds[:10]) == "jtjjtjnjtj"  # spread out, not 6 JSON in a row


def test_a_zero_weight_format_is_never_sent() -> None:
    cycle = KindCycle(Mix(1, 0, 0))
    assert {cycle.next() for _ in range(20)} == {"json"}


@pytest.mark.parametrize("chars", [1, 50, 200, 5000])
def test_text_has_exactly_the_requested_length(chars: int) -> None:
    text = make_text(random.Random(1), chars)
    assert len(text) == chars
    assert text.strip()


def test_text_carries_emails_and_phone_numbers() -> None:
    text = " ".join(make_text(random.Random(seed), 400) for seed in range(20))
    assert re.search(r"[\w.]+@[\w.]+\.\w+", text)
    assert re.search(r"\+\d{1,2} \d{2,3} \d{3,4} \d{4}", text)


def test_log_ids_are_unique_valid_and_carry_the_run_id() -> None:
    generator = PayloadGenerator(config(batch_size=5))
    payloads = [generator.next() for _ in range(50)]
    ids = [log_id for p in payloads for log_id in p.log_ids]
    assert len(ids) == len(set(ids))
    assert all(SERVICE_ID.fullmatch(i) and i.startswith("lt-test-") for i in ids)
    assert sum(p.records for p in payloads) == 30 + 15 + 5 * 5


def test_each_format_follows_the_contract() -> None:
    cfg = config(batch_size=3, tenants=2)
    by_kind = {}
    generator = PayloadGenerator(cfg)
    for _ in range(10):
        payload = generator.next()
        by_kind[payload.kind] = payload
        assert payload.tenant_id in cfg.tenant_ids()

    json_payload = by_kind["json"]
    assert json_payload.content_type == "application/json"
    record = orjson.loads(json_payload.body)
    assert record.keys() == {"tenant_id", "log_id", "text"}
    assert (record["tenant_id"], record["log_id"]) == (
        json_payload.tenant_id,
        json_payload.log_ids[0],
    )

    text_payload = by_kind["text"]
    assert text_payload.content_type.startswith("text/plain")
    assert dict(text_payload.headers) == {"X-Tenant-ID": text_payload.tenant_id}
    assert text_payload.log_ids == () and text_payload.records == 1

    batch = by_kind["ndjson"]
    assert batch.content_type == "application/x-ndjson"
    lines = [orjson.loads(line) for line in batch.body.splitlines()]
    assert [line["log_id"] for line in lines] == list(batch.log_ids)
    assert batch.records == 3


def test_the_same_seed_gives_the_same_payloads() -> None:
    first, second = PayloadGenerator(config()), PayloadGenerator(config())
    assert [first.next() for _ in range(20)] == [second.next() for _ in range(20)]
