"""Polling for something that happens in another thread or process."""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_for(pred: Callable[[], object], timeout: float = 5.0, every: float = 0.02) -> bool:
    """True as soon as ``pred()`` is truthy; False after ``timeout`` seconds."""
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return True
        time.sleep(every)
    return False
