"""Test helpers: LocalRuntime (`python -m local` as a subprocess) and mocked_aws (the resources in moto)."""

from __future__ import annotations

import contextlib
import copy
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
_LISTENING = re.compile(r"promptbank local API listening on (http://\S+)")


class LocalRuntimeError(RuntimeError):
    pass


class LocalRuntime:
    """A local runtime process. `with LocalRuntime() as rt: httpx.get(rt.base_url + "/v1/health")`.

    `stop()` sends SIGINT and waits (state is saved); `start()` again restarts it on the same state dir
    (and the same port, when it is still free).
    """

    def __init__(
        self,
        port: int | None = None,
        state_dir: str | os.PathLike[str] | None = None,
        env: Mapping[str, str] | None = None,
        template: str | os.PathLike[str] | None = None,
        startup_timeout: float = 60.0,
    ) -> None:
        self.port = port or 0
        self._own_state_dir = state_dir is None
        self.state_dir = (
            Path(state_dir) if state_dir is not None else Path(tempfile.mkdtemp(prefix="promptbank-state-"))
        )
        self.log_dir = Path(tempfile.mkdtemp(prefix="promptbank-local-logs-"))
        self.env = dict(env or {})
        self.template = Path(template) if template is not None else REPO_ROOT / "template.yaml"
        self.startup_timeout = startup_timeout
        self.base_url = ""
        self.process: subprocess.Popen[bytes] | None = None
        self._starts = 0

    @property
    def stdout_path(self) -> Path:
        return self.log_dir / f"stdout-{self._starts}.log"

    @property
    def stderr_path(self) -> Path:
        return self.log_dir / f"stderr-{self._starts}.log"

    def stderr(self) -> str:
        """What the current (or last) process wrote to stderr: request lines, warnings and tracebacks."""
        return self.stderr_path.read_text(errors="replace") if self.stderr_path.exists() else ""

    def start(self) -> LocalRuntime:
        if self.process is not None and self.process.poll() is None:
            raise LocalRuntimeError("already running")
        self._starts += 1
        env = {**os.environ, **self.env}
        env.pop("AWS_ENDPOINT_URL", None)
        command = [
            sys.executable,
            "-m",
            "local",
            "--port",
            str(self.port),
            "--state-dir",
            str(self.state_dir),
            "--template",
            str(self.template),
        ]
        # Output goes to files, not pipes: a process nobody reads from must never block on a full pipe.
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.process = subprocess.Popen(
                command, cwd=REPO_ROOT, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL
            )
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            match = _LISTENING.search(self.stdout_path.read_text(errors="replace"))
            if match:
                self.base_url = match.group(1)
                self.port = int(self.base_url.rsplit(":", 1)[1])
                return self
            if self.process.poll() is not None:
                raise LocalRuntimeError(
                    f"local runtime exited with {self.process.returncode}:\n{self.stderr()[-5000:]}"
                )
            time.sleep(0.05)
        self.kill()
        raise LocalRuntimeError(f"local runtime not ready after {self.startup_timeout:.0f}s:\n{self.stderr()[-5000:]}")

    def stop(self, timeout: float = 30.0) -> int:
        """SIGINT, then wait for the clean exit (state saved). Returns the exit code."""
        if self.process is None:
            return 0
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                raise LocalRuntimeError(
                    f"local runtime did not stop within {timeout:.0f}s:\n{self.stderr()[-5000:]}"
                ) from None
        return int(self.process.returncode)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def restart(self) -> LocalRuntime:
        self.stop()
        return self.start()

    def close(self) -> None:
        try:
            self.stop()
        finally:
            if self._own_state_dir:
                shutil.rmtree(self.state_dir, ignore_errors=True)
            shutil.rmtree(self.log_dir, ignore_errors=True)

    def __enter__(self) -> LocalRuntime:
        try:
            return self.start()
        except BaseException:
            self.close()
            raise

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


# ------------------------------------------------------------------------------------- in-process (moto mock)
LOCAL_OVERRIDES = {
    "PROMPTBANK_STAGE": "local",
    "PROMPTBANK_PUBLIC_BASE_URL": "http://127.0.0.1:3000",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_DISABLED": "true",
}
FAKE_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}


def clear_promptbank_caches() -> None:
    """Forget every lru_cache'd value in promptbank (settings, clients...): the next test builds its own."""
    for name, module in list(sys.modules.items()):
        if module is None or not (name == "promptbank" or name.startswith("promptbank.")):
            continue
        for value in list(vars(module).values()):
            if callable(getattr(value, "cache_clear", None)) and getattr(value, "__module__", None) == name:
                value.cache_clear()


@dataclass
class MockedStack:
    """What mocked_aws() made: the resolved stack (functions, physical ids) and the environment it set."""

    stack: Any  # local.resources.Stack
    env: dict[str, str]

    @property
    def table_name(self) -> str:
        name = self.stack.table_name
        assert name, "the template has no table"
        return str(name)


@contextlib.contextmanager
def mocked_aws(template: str | os.PathLike[str] | None = None) -> Iterator[MockedStack]:
    """Inside moto's in-process mock: the template's resources (tables, usage plans, keys, queues,
    secrets) and the functions' environment (as the local runtime sets it), restored afterwards."""
    from moto import mock_aws

    from local.resources import create_resources
    from local.template import function_environment

    saved = dict(os.environ)
    try:
        for key in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
            os.environ.pop(key, None)
        os.environ.update(FAKE_AWS_ENV)
        with mock_aws():
            stack = create_resources(Path(template) if template else REPO_ROOT / "template.yaml")
            env, _ = function_environment(stack.functions, stack.resolver, overrides=LOCAL_OVERRIDES)
            os.environ.update(env)
            clear_promptbank_caches()
            yield MockedStack(stack, env)
    finally:
        os.environ.clear()
        os.environ.update(saved)
        clear_promptbank_caches()


class HandlerInvoker:
    """Calls a function's handler (CodeUri + Handler from the template) with a fake Lambda context.

    Each invoker imports a module once per function: one invoker per test means a fresh 'container' per test.
    """

    def __init__(self, stack: Any) -> None:
        self.stack = stack
        self._handlers: dict[str, Callable[[Any, Any], Any]] = {}
        self._roles: dict[str, Any] | None = None

    def __call__(self, function_logical_id: str, event: Any) -> Any:
        from local import iam
        from local.lambdas import LambdaContext, add_layer_paths, load_handler

        add_layer_paths([self.stack.template.root / "shared"])  # the layer, as the runtime does

        spec = self.stack.functions[function_logical_id]
        if function_logical_id not in self._handlers:
            self._handlers[function_logical_id] = load_handler(spec)
        # The call runs under the function's IAM role, as in the runtime (PROMPTBANK_LOCAL_IAM=off: unchecked).
        token = iam.ACTIVE.set(self._policies().get(function_logical_id))
        try:
            return self._handlers[function_logical_id](event, LambdaContext(spec))
        finally:
            iam.ACTIVE.reset(token)

    def _policies(self) -> dict[str, Any]:
        from local import iam

        if self._roles is None:
            self._roles = {}
            if iam.enforced():
                iam.install()
                template, resolver = self.stack.template, self.stack.resolver
                self._roles = iam.role_policies(template, resolver)
        return self._roles


class StreamDelivery:
    """Reads the table's stream (moto) and hands new records to one stream consumer as Lambda would: the same record
    shape, the template's FilterCriteria applied, batches of up to its BatchSize. Starts at the stream's end, as
    `StartingPosition: LATEST` does."""

    def __init__(self, stack: Any, invoker: HandlerInvoker, function: str) -> None:
        import boto3

        self.invoker = invoker
        self.function = function
        spec = stack.stack.functions[function]
        props = next(e.properties for e in spec.events if e.type == "DynamoDB")
        self.batch_size = int(props.get("BatchSize") or 100)
        criteria = props.get("FilterCriteria") or {}
        self.filters = [json.loads(f["Pattern"]) for f in criteria.get("Filters") or []]
        self.streams = boto3.client("dynamodbstreams", region_name="us-east-1")
        table = boto3.client("dynamodb", region_name="us-east-1").describe_table(TableName=stack.table_name)
        self.arn = table["Table"]["LatestStreamArn"]
        shard = self.streams.describe_stream(StreamArn=self.arn)["StreamDescription"]["Shards"][0]
        self.shard_id = shard["ShardId"]
        self.after: str | None = None
        self.pending()

    def pending(self) -> list[dict[str, Any]]:
        """The records written since the last call (each returned once) that the function's filters let through."""
        kwargs: dict[str, Any] = {"StreamArn": self.arn, "ShardId": self.shard_id}
        if self.after:
            kwargs.update(ShardIteratorType="AFTER_SEQUENCE_NUMBER", SequenceNumber=self.after)
        else:
            kwargs.update(ShardIteratorType="TRIM_HORIZON")
        iterator = self.streams.get_shard_iterator(**kwargs)["ShardIterator"]
        records = self.streams.get_records(ShardIterator=iterator, Limit=1000)["Records"]
        if records:
            self.after = records[-1]["dynamodb"]["SequenceNumber"]
        return self._wanted([self._lambda_record(r) for r in records])

    def _wanted(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        from local.events import pattern_matches

        if not self.filters:
            return records
        return [r for r in records if any(pattern_matches(f, r) for f in self.filters)]

    def _lambda_record(self, record: dict[str, Any]) -> dict[str, Any]:
        import calendar

        record = copy.deepcopy(record)
        created = record["dynamodb"].get("ApproximateCreationDateTime")
        if created is not None and not isinstance(created, int | float):
            record["dynamodb"]["ApproximateCreationDateTime"] = calendar.timegm(created.utctimetuple())
        record["eventSourceARN"] = self.arn
        return record

    def batches(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        wanted = self._wanted(records)
        return [{"Records": wanted[i : i + self.batch_size]} for i in range(0, len(wanted), self.batch_size)]

    def deliver(self, records: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
        """Deliver `records` (default: everything pending); the function's responses, a batch each."""
        records = self.pending() if records is None else records
        return [self.invoker(self.function, batch) for batch in self.batches(records)]


def load_event(name: str, events_dir: str | os.PathLike[str] | None = None) -> Any:
    """A sample event from events/ (`name` with or without `.json`), as a fresh copy."""
    directory = Path(events_dir) if events_dir else REPO_ROOT / "events"
    path = directory / (name if name.endswith(".json") else f"{name}.json")
    return copy.deepcopy(json.loads(path.read_text(encoding="utf-8")))
