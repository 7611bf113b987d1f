"""Retry policy: exponential backoff with jitter, capped, ending in the dead-letter queue."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Delays double per attempt from ``base_s`` up to ``max_s``.

    Jitter is "equal jitter": the delay is drawn from ``[d/2, d]``, so retries of many messages
    spread out while each message's delays still grow (the lower bound of one attempt is the upper
    bound of the previous one).
    """

    max_attempts: int = 5
    base_s: float = 1.0
    max_s: float = 60.0

    def should_dead_letter(self, attempts: int) -> bool:
        return attempts >= self.max_attempts

    def delay_s(self, attempt: int, rng: random.Random | None = None) -> float:
        """Delay before delivery ``attempt + 1``, after ``attempt`` failed deliveries."""
        ceiling = min(self.max_s, self.base_s * 2.0 ** max(0, attempt - 1))
        draw = rng.random() if rng is not None else random.random()
        return ceiling / 2 + draw * ceiling / 2
