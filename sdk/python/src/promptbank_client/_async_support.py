"""What the asyncio client needs that the blocking one does differently (its twin is `_sync_support`)."""

from __future__ import annotations

import asyncio
from typing import Any, Callable, Coroutine, Set

__all__ = ["Background", "sleep"]

sleep = asyncio.sleep


class Background:
    """Revalidations started by cache hits: tasks on the running loop, each holding a reference so it is not
    collected early; `wait()` lets them finish (used on close and by tests)."""

    def __init__(self) -> None:
        self._tasks: Set["asyncio.Task[Any]"] = set()

    def spawn(self, function: Callable[..., Coroutine[Any, Any, Any]], *args: Any) -> None:
        task: asyncio.Task[Any] = asyncio.get_running_loop().create_task(function(*args))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def wait(self, timeout: float = 30.0) -> None:
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)
