"""Retries with exponential backoff and jitter, for transient LLM errors only."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from shared.llm.errors import LLMError, RateLimited

T = TypeVar("T")

# A server may ask for a very long wait: we wait at most this long before the next try.
MAX_RETRY_AFTER_S = 60.0


def backoff_delay(attempt: int, base_s: float = 0.5, cap_s: float = 20.0) -> float:
    """Seconds to wait before retry number `attempt` (1-based): base * 2^(attempt-1), capped,
    with "full jitter" (uniform in [0, delay]) so many clients do not retry in lockstep."""
    return random.uniform(0, min(cap_s, base_s * 2 ** (attempt - 1)))


def with_retries(
    call: Callable[[], T],
    max_retries: int = 3,
    base_s: float = 0.5,
    sleep: Callable[[float], None] = time.sleep,
    on_retry: Callable[[int, LLMError, float], None] | None = None,
) -> T:
    """Run `call`; on a transient LLMError wait and try again, up to `max_retries` more times.

    A RateLimited error with a Retry-After waits that long (at most MAX_RETRY_AFTER_S) instead
    of the backoff delay.
    Non-transient errors (model not found, bad request) are raised at once.
    """
    attempt = 0
    while True:
        try:
            return call()
        except LLMError as err:
            attempt += 1
            if not err.transient or attempt > max_retries:
                raise
            delay = backoff_delay(attempt, base_s)
            if isinstance(err, RateLimited) and err.retry_after is not None:
                delay = min(err.retry_after, MAX_RETRY_AFTER_S)
            if on_retry is not None:
                on_retry(attempt, err, delay)
            sleep(delay)
