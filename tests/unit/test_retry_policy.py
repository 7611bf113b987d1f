"""Retry delays double per attempt, stay within [d/2, d], and are capped."""

from __future__ import annotations

import random

from memory_machines.retry import RetryPolicy


def test_delays_grow_per_attempt_even_with_jitter() -> None:
    policy = RetryPolicy(max_attempts=5, base_s=1.0, max_s=100.0)
    rng = random.Random(7)
    for attempt in range(1, 5):
        lowest_next_delay = 2**attempt / 2
        assert policy.delay_s(attempt, rng) <= lowest_next_delay


def test_delay_is_between_half_and_all_of_the_doubled_base() -> None:
    policy = RetryPolicy(base_s=0.5, max_s=100.0)
    for attempt in range(1, 6):
        ceiling = 0.5 * 2 ** (attempt - 1)
        for seed in range(20):
            assert ceiling / 2 <= policy.delay_s(attempt, random.Random(seed)) <= ceiling


def test_delay_is_capped() -> None:
    policy = RetryPolicy(base_s=1.0, max_s=3.0)
    assert all(policy.delay_s(20, random.Random(s)) <= 3.0 for s in range(20))


def test_dead_letter_after_max_attempts() -> None:
    policy = RetryPolicy(max_attempts=5)
    assert not policy.should_dead_letter(4)
    assert policy.should_dead_letter(5)
