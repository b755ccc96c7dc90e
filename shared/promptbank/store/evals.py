"""Evaluation suites and their runs on the single table: suites, their test cases, runs, chunks and case results.

Keys (docs/data-model.md, "Evaluation suites"):

- suite: `SUITE#<id>`/`SUITE`, on gsi1 `SUITES#<owner>` by creation time (a user's suites, one `Query`), and, only
  while it has a schedule, on gsi2 `SUITES#DUE` by `<next_run_at>#<id>` (the sparse index the dispatcher reads:
  every due suite in one `Query`). Every write is conditioned on `rev`.
- its test cases: `SUITE#<id>`/`CASES#<rev:08d>#<piece:03d>`: the cases' JSON text cut into pieces of at most
  80,000 characters (a 1 MiB suite is ~14 items under DynamoDB's 400 KB each), written with the suite in one
  transaction. A revision's pieces are never rewritten: a run names the revision it tests, and an edit gives the
  old pieces a `ttl` of two days so that queued and running runs still read them.
- publish link: `PUBLISHSUITES#<prompt_id>`/`SUITE#<id>`, present exactly while the suite has `run_on_publish`:
  the suites a production move starts, in one `Query`.
- run: `EVALRUN#<id>`/`EVALRUN`, on gsi1 `EVALRUNS#<suite_id>` by `<created_at>#<id>` (the trend, one `Query`).
  Put once (`attribute_not_exists`), its id derived from its trigger; chunk counters are `ADD`ed.
- chunk marker: `EVALRUN#<id>`/`CHUNK#<n:04d>`, put in the transaction that adds the chunk to the run's counters:
  a chunk is counted once however often its message is delivered.
- case result: `EVALRUN#<id>`/`R#<index:04d>`: one `CaseResult` each (results don't fit one item), paged in order.

Runs, chunk markers and results carry a `ttl` (`RUN_TTL_S`).
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from promptbank.errors import Conflict, NotFound
from promptbank.store.base import TableStore, TransactionConflict, TransactOp, listed_item, serialize

SUITE_SK = "SUITE"
RUN_SK = "EVALRUN"
SUITE_PK_PREFIX = "SUITE#"
RUN_PK_PREFIX = "EVALRUN#"
DUE_PK = "SUITES#DUE"
PIECE_CHARS = 80_000  # at most 4 bytes a character in UTF-8: 320 KB, under the 400 KB item limit
OLD_CASES_TTL_S = 2 * 24 * 3600
RUN_TTL_S = 180 * 24 * 3600  # half a year of trend
BATCH_WRITE_LIMIT = 25
#: Chunks of one run finish at the same time and add to the same item: DynamoDB cancels one transaction, we retry.
CONFLICT_ATTEMPTS = 6


def suite_pk(suite_id: str) -> str:
    return f"{SUITE_PK_PREFIX}{suite_id}"


def run_pk(run_id: str) -> str:
    return f"{RUN_PK_PREFIX}{run_id}"


def cases_prefix(rev: int) -> str:
    return f"CASES#{rev:08d}#"


def result_sk(index: int) -> str:
    return f"R#{index:04d}"


def chunk_sk(chunk: int) -> str:
    return f"CHUNK#{chunk:04d}"


def publish_pk(prompt_id: str) -> str:
    return f"PUBLISHSUITES#{prompt_id}"


def due_sk(next_run_at: str, suite_id: str) -> str:
    return f"{next_run_at}#{suite_id}"


def split_cases(cases: list[dict[str, Any]]) -> list[str]:
    text = json.dumps(cases, ensure_ascii=False, separators=(",", ":"))
    return [text[start : start + PIECE_CHARS] for start in range(0, len(text), PIECE_CHARS)] or ["[]"]


def _suite_item(suite: Mapping[str, Any]) -> dict[str, Any]:
    due = {"gsi2pk": DUE_PK, "gsi2sk": due_sk(suite["next_run_at"], suite["id"])} if suite.get("next_run_at") else {}
    owner = f"SUITES#{suite['owner_id']}"
    return listed_item(suite, pk=suite_pk(suite["id"]), sk=SUITE_SK, kind="eval_suite", owner=owner, **due)


def _piece_ops(suite_id: str, rev: int, pieces: list[str]) -> list[TransactOp]:
    prefix = cases_prefix(rev)
    return [
        TransactOp.put({"pk": suite_pk(suite_id), "sk": f"{prefix}{n:03d}", "data": piece})
        for n, piece in enumerate(pieces)
    ]


def _expire_ops(suite_id: str, rev: int, count: int, ttl: int) -> list[TransactOp]:
    prefix = cases_prefix(rev)
    return [
        TransactOp.update(
            suite_pk(suite_id), f"{prefix}{n:03d}", "SET #ttl = :ttl", names={"#ttl": "ttl"}, values={":ttl": ttl}
        )
        for n in range(count)
    ]


def _link_op(suite: Mapping[str, Any], present: bool) -> TransactOp:
    key = (publish_pk(suite["prompt_id"]), f"SUITE#{suite['id']}")
    if present:
        return TransactOp.put({"pk": key[0], "sk": key[1], "suite_id": suite["id"], "owner_id": suite["owner_id"]})
    return TransactOp.delete(*key)


class SuiteStore(TableStore):
    """Suites with their cases, and the two indexes that find them: due now, and run on publish."""

    def create_suite(self, suite: dict[str, Any], cases: list[dict[str, Any]]) -> dict[str, Any]:
        pieces = split_cases(cases)
        suite = {**suite, "rev": 1, "cases_rev": 1, "cases_pieces": len(pieces)}
        ops = [TransactOp.put(_suite_item(suite), condition="attribute_not_exists(pk)")]
        ops += _piece_ops(suite["id"], 1, pieces)
        if suite.get("run_on_publish"):
            ops.append(_link_op(suite, True))
        self.transact(ops, on_conflict=lambda _: Conflict("A suite with this id exists"))
        return suite

    def get_suite(self, suite_id: str, *, consistent: bool = False) -> dict[str, Any] | None:
        return self.get(suite_pk(suite_id), SUITE_SK, consistent=consistent)

    def cases(self, suite_id: str, rev: int) -> list[dict[str, Any]]:
        pieces = self.query_all(
            "pk = :pk AND begins_with(sk, :prefix)",
            {":pk": suite_pk(suite_id), ":prefix": cases_prefix(rev)},
            consistent=True,
        )
        if not pieces:
            raise NotFound("The suite's test cases are gone")
        cases: list[dict[str, Any]] = json.loads("".join(str(piece["data"]) for piece in pieces))
        return cases

    def replace_suite(
        self,
        before: Mapping[str, Any],
        after: dict[str, Any],
        cases: list[dict[str, Any]] | None,
        *,
        now_epoch: int,
    ) -> dict[str, Any]:
        """Write `after` over `before` (conditioned on `before`'s `rev`); new cases become a new revision."""
        after = {**after, "rev": int(before["rev"]) + 1}
        ops: list[TransactOp] = []
        if cases is not None:
            pieces = split_cases(cases)
            after["cases_rev"], after["cases_pieces"] = int(before["cases_rev"]) + 1, len(pieces)
            ops += _piece_ops(after["id"], after["cases_rev"], pieces)
            ops += _expire_ops(
                after["id"], int(before["cases_rev"]), int(before["cases_pieces"]), now_epoch + OLD_CASES_TTL_S
            )
        ops.insert(
            0,
            TransactOp.put(
                _suite_item(after),
                condition="attribute_exists(pk) AND #rev = :rev",
                names={"#rev": "rev"},
                values={":rev": before["rev"]},
            ),
        )
        if bool(before.get("run_on_publish")) != bool(after.get("run_on_publish")):
            ops.append(_link_op(after, bool(after.get("run_on_publish"))))
        self.transact(ops, on_conflict=lambda _: Conflict("The suite changed while it was being updated; try again"))
        return after

    def delete_suite(self, suite: Mapping[str, Any], *, now_epoch: int) -> None:
        ops = [
            TransactOp.delete(
                suite_pk(suite["id"]),
                SUITE_SK,
                condition="#rev = :rev",
                names={"#rev": "rev"},
                values={":rev": suite["rev"]},
            )
        ]
        ops += _expire_ops(
            suite["id"], int(suite["cases_rev"]), int(suite["cases_pieces"]), now_epoch + OLD_CASES_TTL_S
        )
        if suite.get("run_on_publish"):
            ops.append(_link_op(suite, False))
        self.transact(ops, on_conflict=lambda _: NotFound("Suite not found"))

    def suites_page(
        self, owner_id: str, *, limit: int, start_key: Mapping[str, Any] | None
    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        """A user's suites, newest first."""
        return self.query_page(
            "gsi1pk = :pk", {":pk": f"SUITES#{owner_id}"}, index="gsi1", limit=limit, start_key=start_key, forward=False
        )

    def due_suites(self, now_iso: str, *, limit: int = 100) -> list[dict[str, Any]]:
        """Suites whose `next_run_at` is at or before `now_iso`, earliest first (one page of up to `limit`)."""
        items, _ = self.query(
            "gsi2pk = :pk AND gsi2sk <= :now", {":pk": DUE_PK, ":now": f"{now_iso}~"}, index="gsi2", limit=limit
        )
        return items

    def publish_suite_ids(self, prompt_id: str) -> list[str]:
        links = self.query_all("pk = :pk", {":pk": publish_pk(prompt_id)}, consistent=True)
        return [str(link["suite_id"]) for link in links]

    def advance_op(self, suite: Mapping[str, Any], next_run_at: str | None) -> TransactOp:
        """Move a scheduled suite's `next_run_at` on from the value it was read with (the dispatchers' lock)."""
        values: dict[str, Any] = {":seen": suite["next_run_at"]}
        if next_run_at is None:
            expression = "REMOVE next_run_at, gsi2pk, gsi2sk"
        else:
            expression = "SET next_run_at = :next, gsi2sk = :due"
            values |= {":next": next_run_at, ":due": due_sk(next_run_at, suite["id"])}
        return TransactOp.update(
            suite_pk(suite["id"]), SUITE_SK, expression, condition="next_run_at = :seen", values=values
        )


class EvalRunStore(TableStore):
    """Runs of suites: the run item and its counters, chunk markers, case results, and the trend."""

    @staticmethod
    def run_item(run: Mapping[str, Any]) -> dict[str, Any]:
        owner = f"EVALRUNS#{run['suite_id']}"
        return listed_item(run, pk=run_pk(run["id"]), sk=RUN_SK, kind="eval_run", owner=owner)

    def put_run_op(self, run: Mapping[str, Any]) -> TransactOp:
        return TransactOp.put(self.run_item(run), condition="attribute_not_exists(pk)")

    def put_run(self, run: Mapping[str, Any]) -> bool:
        """True when the run was created now; False when a run with its id (the same trigger) exists."""
        try:
            self.put(self.run_item(run), condition="attribute_not_exists(pk)")
        except Conflict:
            return False
        return True

    def get_run(self, run_id: str, *, consistent: bool = False) -> dict[str, Any] | None:
        return self.get(run_pk(run_id), RUN_SK, consistent=consistent)

    def runs_page(
        self, suite_id: str, *, limit: int, start_key: Mapping[str, Any] | None
    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        return self.query_page(
            "gsi1pk = :pk",
            {":pk": f"EVALRUNS#{suite_id}"},
            index="gsi1",
            limit=limit,
            start_key=start_key,
            forward=False,
        )

    def previous_finished(self, run: Mapping[str, Any]) -> dict[str, Any] | None:
        """The newest succeeded run of the same suite created before `run`."""
        items, _ = self.query_page(
            "gsi1pk = :pk AND gsi1sk < :sk",
            {":pk": f"EVALRUNS#{run['suite_id']}", ":sk": f"{run['created_at']}#{run['id']}", ":ok": "succeeded"},
            index="gsi1",
            limit=1,
            forward=False,
            filter_expression="#status = :ok",
            names={"#status": "status"},
            min_read=20,
        )
        return items[0] if items else None

    def start(self, run_id: str, started_at: str) -> bool:
        try:
            self.update(
                run_pk(run_id),
                RUN_SK,
                "SET #status = :running, started_at = :at",
                condition="#status = :queued",
                names={"#status": "status"},
                values={":running": "running", ":queued": "queued", ":at": started_at},
            )
        except Conflict:
            return False
        return True

    def put_results(self, run_id: str, results: Iterable[tuple[int, dict[str, Any]]], ttl: int) -> None:
        """Case results (overwriting the same case's result from an earlier, interrupted delivery)."""
        requests = [
            {"PutRequest": {"Item": serialize({"pk": run_pk(run_id), "sk": result_sk(i), "result": r, "ttl": ttl})}}
            for i, r in results
        ]
        for start in range(0, len(requests), BATCH_WRITE_LIMIT):
            pending: dict[str, Any] = {self.table_name: requests[start : start + BATCH_WRITE_LIMIT]}
            for _ in range(10):
                response = self.client.batch_write_item(RequestItems=pending)
                pending = response.get("UnprocessedItems") or {}
                if not pending:
                    break
            if pending:
                raise RuntimeError("DynamoDB left case results unwritten after 10 attempts")

    def count_chunk(self, run_id: str, chunk: int, counts: Mapping[str, int | Decimal], ttl: int) -> bool:
        """Add one chunk's numbers to the run, once: False when that chunk was counted before."""
        names = {f"#c{i}": name for i, name in enumerate(counts)}
        values: dict[str, Any] = {f":c{i}": value for i, value in enumerate(counts.values())}
        adds = ", ".join(f"#c{i} :c{i}" for i in range(len(counts)))
        for attempt in range(CONFLICT_ATTEMPTS):
            try:
                return self._count_chunk_once(run_id, chunk, adds, names, values, ttl)
            except TransactionConflict:  # another chunk of the run counted at the same moment
                if attempt == CONFLICT_ATTEMPTS - 1:
                    raise
                time.sleep(random.uniform(0.02, 0.1) * 2**attempt)
        return False  # pragma: no cover - the loop returns or raises

    def _count_chunk_once(
        self, run_id: str, chunk: int, adds: str, names: dict[str, str], values: dict[str, Any], ttl: int
    ) -> bool:
        try:
            self.transact(
                [
                    TransactOp.put(
                        {"pk": run_pk(run_id), "sk": chunk_sk(chunk), "ttl": ttl}, condition="attribute_not_exists(pk)"
                    ),
                    TransactOp.update(
                        run_pk(run_id),
                        RUN_SK,
                        f"ADD {adds}",
                        condition="attribute_exists(pk)",
                        names=names,
                        values=values,
                    ),
                ]
            )
        except Conflict:
            return False
        return True

    def finish_ops(self, run: Mapping[str, Any], fields: Mapping[str, Any]) -> TransactOp:
        """End a queued or running run with `fields` (status, summary...), only if nobody ended it before."""
        names = {"#status": "status"} | {f"#f{i}": name for i, name in enumerate(fields)}
        values: dict[str, Any] = {":queued": "queued", ":running": "running"}
        values |= {f":f{i}": value for i, value in enumerate(fields.values())}
        sets = ", ".join(f"#f{i} = :f{i}" for i in range(len(fields)))
        return TransactOp.update(
            run_pk(run["id"]),
            RUN_SK,
            f"SET {sets}",
            condition="#status IN (:queued, :running)",
            names=names,
            values=values,
        )

    def last_run_op(self, suite_id: str, last_run: Mapping[str, Any]) -> TransactOp:
        """Record `last_run` on the suite unless a newer run is recorded there already."""
        return TransactOp.update(
            suite_pk(suite_id),
            SUITE_SK,
            "SET last_run = :last",
            condition="attribute_exists(pk) AND (attribute_not_exists(last_run) OR last_run.created_at <= :created)",
            values={":last": dict(last_run), ":created": last_run["created_at"]},
        )

    def results_page(
        self, run_id: str, *, limit: int, start_key: Mapping[str, Any] | None
    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        return self.query_page(
            "pk = :pk AND begins_with(sk, :r)", {":pk": run_pk(run_id), ":r": "R#"}, limit=limit, start_key=start_key
        )
