"""The cache of `get_prompt` and `compile`: fresh for a TTL, then served stale while one background request
revalidates it; the last good value optionally on disk for a new process during an outage.

Memory keys are tuples (a hit costs a dict lookup under a lock); disk files are named by the key's SHA-256, written
to a temporary file in the same directory and renamed over the old one, so several processes can share a
`cache_dir` and a reader sees a whole old or a whole new file, never half of one.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Any, Dict, Hashable, Optional, Set, Tuple, Union

__all__ = ["CacheEntry", "ResponseCache"]

Key = Tuple[Hashable, ...]


class CacheEntry:
    __slots__ = ("etag", "result", "stored_at", "value")

    def __init__(self, result: Any, value: Dict[str, Any], etag: Optional[str], stored_at: float) -> None:
        self.result = result  # the typed result, shared by every hit: treat it as read-only
        self.value = value  # its JSON, for the disk copy
        self.etag = etag
        self.stored_at = stored_at  # time.monotonic() when it was last known good; -inf: stale at once


class ResponseCache:
    def __init__(
        self, ttl_seconds: float, cache_dir: Optional[Union[os.PathLike[str], str]] = None, max_entries: int = 1000
    ) -> None:
        self.ttl = float(ttl_seconds)
        self.dir = Path(cache_dir).expanduser() if cache_dir is not None else None
        # least recently used first: a service compiling with per-user variables must not grow without bound
        self.max_entries = max_entries
        self._entries: OrderedDict[Key, CacheEntry] = OrderedDict()
        self._refreshing: Set[Key] = set()
        self._lock = threading.Lock()
        if self.dir is not None:
            self.dir.mkdir(parents=True, exist_ok=True, mode=0o700)

    @property
    def enabled(self) -> bool:
        return self.ttl > 0 or self.dir is not None

    def get(self, key: Key) -> Optional[CacheEntry]:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def _insert(self, key: Key, entry: CacheEntry) -> None:
        """Add or replace under the lock, dropping the least recently used entries beyond `max_entries`."""
        self._entries[key] = entry
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def is_fresh(self, entry: CacheEntry) -> bool:
        return time.monotonic() - entry.stored_at < self.ttl

    def put(self, key: Key, result: Any, value: Dict[str, Any], etag: Optional[str]) -> CacheEntry:
        entry = CacheEntry(result, value, etag, time.monotonic())
        if self.ttl > 0:
            with self._lock:
                self._insert(key, entry)
        self._write(key, entry)
        return entry

    def renew(self, key: Key) -> None:
        """A 304 (or the same ETag): the entry is good for another TTL."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                entry.stored_at = time.monotonic()

    def adopt(self, key: Key, entry: CacheEntry) -> None:
        """Keep an entry read from disk in memory, stale, so that the next call revalidates it."""
        entry.stored_at = float("-inf")
        if self.ttl > 0:
            with self._lock:
                if key not in self._entries:
                    self._insert(key, entry)

    def evict(self, key: Key) -> None:
        with self._lock:
            self._entries.pop(key, None)
        path = self._path(key)
        if path is not None:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()

    def begin_refresh(self, key: Key) -> bool:
        """True for the one caller that may revalidate `key` now; False while a revalidation is in flight."""
        with self._lock:
            if key in self._refreshing:
                return False
            self._refreshing.add(key)
            return True

    def end_refresh(self, key: Key) -> None:
        with self._lock:
            self._refreshing.discard(key)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    # -- disk ------------------------------------------------------------------------------------------------

    def _path(self, key: Key) -> Optional[Path]:
        if self.dir is None:
            return None
        digest = hashlib.sha256(json.dumps(key, separators=(",", ":")).encode()).hexdigest()
        return self.dir / f"{digest}.json"

    def _write(self, key: Key, entry: CacheEntry) -> None:
        path = self._path(key)
        if path is None:
            return
        data = json.dumps({"etag": entry.etag, "stored_at": time.time(), "value": entry.value}).encode()
        try:
            fd, tmp = tempfile.mkstemp(dir=str(path.parent), prefix=".tmp-", suffix=".json")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                os.replace(tmp, path)
            except BaseException:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp)
                raise
        except OSError:
            pass  # a read-only or full disk must not fail the call: the memory cache still works

    def load(self, key: Key) -> Optional[Tuple[Dict[str, Any], Optional[str]]]:
        """The disk copy's (value, etag), or None when there is none (or it is unreadable)."""
        path = self._path(key)
        if path is None:
            return None
        try:
            data = json.loads(path.read_bytes())
            return data["value"], data.get("etag")
        except (OSError, ValueError, KeyError, TypeError):
            return None
