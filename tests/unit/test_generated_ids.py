"""Ids the service makes: log ids in arrival order, correlation ids at random, all unique."""

from __future__ import annotations

import os
import time
import uuid

from memory_machines.ids import validate_id
from memory_machines.message import new_log_id, new_uuid4


def test_a_generated_log_id_is_a_version_7_uuid_holding_the_millisecond_it_was_made() -> None:
    before = time.time_ns() // 1_000_000
    log_id = new_log_id()
    after = time.time_ns() // 1_000_000
    parsed = uuid.UUID(log_id)
    assert str(parsed) == log_id
    assert (parsed.version, parsed.variant) == (7, uuid.RFC_4122)
    assert before <= parsed.int >> 80 <= after
    assert validate_id("log_id", log_id) == log_id


def test_log_ids_made_in_later_milliseconds_sort_after_earlier_ones() -> None:
    ids = []
    for _ in range(5):
        ids.extend(new_log_id() for _ in range(50))
        time.sleep(0.002)
    by_millisecond = [i for n, i in enumerate(ids) if n % 50 == 0]
    assert by_millisecond == sorted(by_millisecond)
    assert len(set(ids)) == len(ids)  # 74 random bits beside the time


def test_correlation_ids_stay_random_version_4_uuids() -> None:
    parsed = uuid.UUID(new_uuid4())
    assert (parsed.version, parsed.variant) == (4, uuid.RFC_4122)


def test_a_forked_child_never_hands_out_its_parents_ids() -> None:
    new_log_id()  # the parent's pool now holds ids
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: write one id and leave at once
        os.write(write, new_log_id().encode())
        os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    child_id = os.read(read, 64).decode()
    os.close(read)
    assert child_id[15:] not in {new_log_id()[15:] for _ in range(300)}
