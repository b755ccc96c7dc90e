"""What the blocking client needs that the asyncio one does differently (its twin is `_async_support`)."""

from __future__ import annotations

import threading
import time
from typing import Any, Callable, Set

__all__ = ["Background", "sleep"]

sleep = time.sleep


class Background:
    """Revalidations started by cache hits: daemon threads (they never keep a process alive); `wait()` lets them
    finish (used on close and by tests)."""

    def __init__(self) -> None:
        self._threads: Set[threading.Thread] = set()
        self._lock = threading.Lock()

    def spawn(self, function: Callable[..., Any], *args: Any) -> None:
        def run() -> None:
            try:
                function(*args)
            finally:
                with self._lock:
                    self._threads.discard(thread)

        thread = threading.Thread(target=run, name="promptbank-revalidate", daemon=True)
        with self._lock:
            self._threads.add(thread)
        thread.start()

    def wait(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
