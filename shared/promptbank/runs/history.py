"""Reading runs: one run by id, a user's runs newest first (optionally of one prompt, of one source)."""

from __future__ import annotations

import re
from typing import Any

from promptbank.auth.principal import Principal
from promptbank.cursor import decode_cursor, encode_cursor
from promptbank.errors import NotFound
from promptbank.outputs import Page
from promptbank.runs.models import Run
from promptbank.runs.records import run_view
from promptbank.store.runs import RunStore

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
#: A page stops early (with a cursor) once its runs reach this many bytes of JSON: Lambda answers at most
#: 6 MB, and 500 runs of 10,000-char outputs could pass that.
MAX_PAGE_BYTES = 4 * 1024 * 1024


class RunHistory:
    def __init__(self, store: RunStore | None = None) -> None:
        self.store = store or RunStore()

    def get(self, principal: Principal, run_id: str) -> Run:
        if not _UUID.fullmatch(run_id):
            raise NotFound("Run not found")
        item = self.store.get_run(run_id)
        if item is None or item.get("user_id") != principal.user_id:
            raise NotFound("Run not found")
        return run_view(item)

    def list_runs(
        self,
        principal: Principal,
        *,
        prompt_id: str | None,
        source: str | None,
        limit: int,
        cursor: str | None,
    ) -> Page[Run]:
        """Newest first; `source` is filtered in DynamoDB and pages are filled up to `limit` (or MAX_PAGE_BYTES);
        the last page, full or not, has no cursor."""
        scope = f"runs:{principal.user_id}:{prompt_id or ''}:{source or ''}"
        start = decode_cursor(cursor, scope)
        items, next_key = self.store.runs_page(principal.user_id, prompt_id, source=source, limit=limit, start_key=start)
        found: list[Run] = []
        size = 0
        for index, item in enumerate(items):
            view = run_view(item)
            size += len(view.model_dump_json().encode())
            if found and size > MAX_PAGE_BYTES:
                return self._page(found, scope, self.store.page_key(items[index - 1], prompt_id))
            found.append(view)
        return self._page(found, scope, next_key)

    @staticmethod
    def _page(found: list[Run], scope: str, key: dict[str, Any] | None) -> Page[Run]:
        return Page[Run](data=found, next_cursor=encode_cursor(key, scope))
