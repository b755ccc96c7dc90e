"""Handlers as Lambda runs them: a pool of containers per function.

A container is, by default, a process of its own (forked from a server that has imported the libraries
once): it sees only its function's environment, holds its own module state, is held to its function's IAM
role (local.iam) and is killed when it times out, as a Lambda execution environment is. With
PROMPTBANK_LOCAL_ISOLATION=thread a container is a thread of the runtime's process with its own import of the
handler module (faster to start, but every function shares one environment and the layer's module state).
"""

from __future__ import annotations

import contextlib
import importlib.util
import itertools
import json
import logging
import os
import queue
import sys
import threading
import time
import traceback
import uuid
import warnings
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from local import iam
from local.template import ACCOUNT_ID, REGION, FunctionSpec

log = logging.getLogger("local.lambdas")

MAX_CONTAINERS = int(os.environ.get("PROMPTBANK_LOCAL_MAX_CONTAINERS", "4"))
#: Imported once by the fork server, so a new container costs a fork and its handler's own imports. None of
#: them reads the environment or keeps state at import (promptbank.settings is read lazily, per container).
FORKSERVER_PRELOAD = [
    "local.lambdas",
    "boto3",
    "botocore.session",
    "pydantic",
    "aws_lambda_powertools.event_handler",
    "aws_lambda_powertools.utilities.idempotency",
    "promptbank.http",
    "promptbank.store.base",
]
_module_counter = itertools.count(1)
_path_lock = threading.Lock()


def add_layer_paths(paths: Iterable[str | os.PathLike[str]]) -> None:
    """Put the layer's code (shared/) first on sys.path, as /opt/python is in Lambda."""
    with _path_lock:
        for path in reversed([str(Path(p).resolve()) for p in paths]):
            if path not in sys.path:
                sys.path.insert(0, path)


class LambdaContext:
    """The context object Lambda passes to a handler (the attributes Powertools and our code read)."""

    def __init__(self, spec: FunctionSpec, request_id: str | None = None, timeout_s: float | None = None) -> None:
        self.function_name = spec.name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{spec.name}"
        self.memory_limit_in_mb = str(spec.memory)
        self.aws_request_id = request_id or str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{spec.name}"
        self.log_stream_name = time.strftime("%Y/%m/%d/[$LATEST]") + uuid.uuid4().hex
        self.identity = None
        self.client_context = None
        self._deadline = time.monotonic() + (timeout_s if timeout_s is not None else spec.timeout)

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def load_module(spec: FunctionSpec, module_name: str | None = None) -> ModuleType:
    """Import the handler's file under a unique module name (several functions have a `get.py`)."""
    path = spec.module_file
    if not path.is_file():
        raise FileNotFoundError(f"{spec.logical_id}: handler module {path} does not exist")
    name = module_name or f"_lambda_{spec.logical_id}_{next(_module_counter)}_{path.stem}"
    module_spec = importlib.util.spec_from_file_location(name, path)
    if module_spec is None or module_spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(module_spec)
    # pydantic and dataclasses resolve annotations through sys.modules[cls.__module__].
    sys.modules[name] = module
    try:
        module_spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module


def load_handler(spec: FunctionSpec) -> Callable[[Any, Any], Any]:
    module = load_module(spec)
    handler = getattr(module, spec.handler_attr, None)
    if not callable(handler):
        raise AttributeError(f"{spec.logical_id}: {spec.module_file} has no callable {spec.handler_attr!r}")
    return handler


def snapstart(spec: FunctionSpec) -> bool:
    """SnapStart applies: `SnapStart: {ApplyOn: PublishedVersions}` and an `AutoPublishAlias` (what the API
    calls is then a published version, restored from its snapshot)."""
    setting = spec.properties.get("SnapStart")
    return (
        isinstance(setting, dict)
        and setting.get("ApplyOn") == "PublishedVersions"
        and bool(spec.properties.get("AutoPublishAlias"))
    )


def snapshot_and_restore() -> None:
    """What Lambda does to a SnapStart function's version after its init: the runtime hooks registered through
    `snapshot_restore_py`, every before-snapshot hook in order, then every after-restore hook in order. A hook
    that raises fails the container's start, as it fails the version's publication."""
    from snapshot_restore_py import get_after_restore, get_before_snapshot

    for hook, args, kwargs in list(get_before_snapshot()):
        hook(*args, **kwargs)
    for hook, args, kwargs in list(get_after_restore()):
        hook(*args, **kwargs)


class FunctionError(Exception):
    """The function failed: an exception in the handler, an import error, a timeout or a bad return value."""

    def __init__(self, message: str, error_type: str = "Error", trace: str = "") -> None:
        super().__init__(message)
        self.error_message = message
        self.error_type = error_type
        self.trace = trace


class FunctionTimeout(FunctionError):
    pass


@dataclass
class _Job:
    event: Any
    context: LambdaContext
    future: Future[Any]


class Container:
    """One warm execution environment: its own import of the handler module, serving one event at a time."""

    def __init__(self, spec: FunctionSpec, number: int, policy: iam.RolePolicy | None = None) -> None:
        self.spec = spec
        self.number = number
        self.policy = policy
        self.handler = load_handler(spec)
        self.invocations = 0
        self.poisoned = False
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name=f"lambda-{spec.logical_id}-{number}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        iam.ACTIVE.set(self.policy)  # this thread runs only this function's code
        while True:
            job = self._jobs.get()
            if job is None:
                return
            if not job.future.set_running_or_notify_cancel():
                continue
            try:
                result = self.handler(job.event, job.context)
                # Lambda serialises the return value: what JSON can't carry is an error there too.
                job.future.set_result(json.loads(json.dumps(result)))
            except BaseException as err:  # a handler's exception is the function's error, whatever it is
                job.future.set_exception(FunctionError(str(err), type(err).__name__, traceback.format_exc()))
            if self.poisoned:
                return

    def invoke(self, event: Any, context: LambdaContext, timeout_s: float) -> Any:
        future: Future[Any] = Future()
        self._jobs.put(_Job(event, context, future))
        self.invocations += 1
        try:
            return future.result(timeout=timeout_s)
        except TimeoutError:
            # The thread can't be killed: the container is dropped once the handler returns, like Lambda's.
            self.poisoned = True
            self._jobs.put(None)
            raise FunctionTimeout(f"Task timed out after {timeout_s:.2f} seconds", "Sandbox.Timedout") from None

    def stop(self) -> None:
        self._jobs.put(None)


def _worker(
    conn: Any, spec: FunctionSpec, env: dict[str, str], policy: dict[str, Any] | None, layer_paths: list[str]
) -> None:
    """A container process: this function's environment and role, its handler imported, then one event at a time
    from `conn` until it closes."""
    os.environ.clear()
    os.environ.update(env)
    add_layer_paths(layer_paths)
    # Lambda sends each line a function prints to its log at once (EMF metrics are printed lines): so does this.
    _line_buffered(sys.stdout)
    # Powertools warns on every metrics flush of an invocation that added none to the shared metrics.
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    if policy is not None:
        iam.install()
        iam.ACTIVE.set(iam.RolePolicy.from_json(policy))
    try:
        handler = load_handler(spec)
        if snapstart(spec):  # a container is a process of its own: the hooks registered are this function's
            snapshot_and_restore()
    except BaseException as err:
        conn.send(("error", type(err).__name__, str(err), traceback.format_exc()))
        return
    conn.send(("ready",))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        event_text, request_id, timeout_s = message
        context = LambdaContext(spec, request_id, timeout_s)
        try:
            result = handler(json.loads(event_text), context)
            # Lambda serialises the return value: what JSON can't carry is an error there too.
            reply: tuple[Any, ...] = ("ok", json.dumps(result))
        except BaseException as err:  # a handler's exception is the function's error, whatever it is
            reply = ("error", type(err).__name__, str(err), traceback.format_exc())
        try:
            conn.send(reply)
        except (EOFError, OSError):
            return


def _line_buffered(stream: Any) -> None:
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None:
        reconfigure(line_buffering=True)


_forkserver_lock = threading.Lock()
_forkserver_ready = False


def _context() -> Any:
    """The fork server's context (preloading set once, before the server starts)."""
    global _forkserver_ready
    import multiprocessing

    ctx = multiprocessing.get_context("forkserver")
    with _forkserver_lock:
        if not _forkserver_ready:
            ctx.set_forkserver_preload(FORKSERVER_PRELOAD)
            _forkserver_ready = True
    return ctx


class ProcessContainer:
    """One execution environment in a process of its own; the same interface as Container."""

    def __init__(
        self,
        spec: FunctionSpec,
        number: int,
        env: dict[str, str],
        policy: iam.RolePolicy | None,
        layer_paths: list[str],
    ) -> None:
        self.spec = spec
        self.number = number
        self.invocations = 0
        self.poisoned = False
        ctx = _context()
        self._conn, child = ctx.Pipe()
        self._process = ctx.Process(
            target=_worker,
            args=(child, spec, env, policy.to_json() if policy else None, layer_paths),
            name=f"lambda-{spec.logical_id}-{number}",
            daemon=True,
        )
        self._process.start()
        child.close()
        # The init phase: Lambda gives it 10 s, then the container is a failure.
        if not self._conn.poll(max(10.0, float(spec.timeout))):
            self._kill()
            raise FunctionError(f"{spec.logical_id}: init did not finish in time", "Runtime.InitTimeout")
        reply = self._receive()
        if reply[0] != "ready":
            self._kill()
            raise FunctionError(reply[2], reply[1], reply[3])

    def _receive(self) -> tuple[Any, ...]:
        try:
            return tuple(self._conn.recv())
        except (EOFError, OSError):
            self._kill()
            code = self._process.exitcode
            raise FunctionError(f"Runtime exited with error: exit status {code}", "Runtime.ExitError") from None

    def invoke(self, event: Any, context: LambdaContext, timeout_s: float) -> Any:
        self.invocations += 1
        try:
            self._conn.send((json.dumps(event), context.aws_request_id, timeout_s))
        except (EOFError, OSError):
            self._kill()
            raise FunctionError("Runtime exited", "Runtime.ExitError") from None
        if not self._conn.poll(timeout_s):
            self._kill()  # Lambda ends the environment of a timed-out invocation; so does this
            raise FunctionTimeout(f"Task timed out after {timeout_s:.2f} seconds", "Sandbox.Timedout")
        reply = self._receive()
        if reply[0] == "ok":
            return json.loads(reply[1])
        raise FunctionError(reply[2], reply[1], reply[3])

    def _kill(self) -> None:
        self.poisoned = True
        if self._process.is_alive():
            self._process.kill()
        self._process.join(timeout=5)
        self._conn.close()

    def stop(self) -> None:
        with contextlib.suppress(EOFError, OSError):
            self._conn.send(None)
        self._process.join(timeout=2)
        if self._process.is_alive():
            self._process.kill()
        self._conn.close()


class FunctionPool:
    """Up to MAX_CONTAINERS containers per function, made on demand; one request per container at a time."""

    def __init__(
        self,
        spec: FunctionSpec,
        max_containers: int = MAX_CONTAINERS,
        *,
        isolation: str = "thread",
        env: dict[str, str] | None = None,
        policy: iam.RolePolicy | None = None,
        layer_paths: list[str] | None = None,
    ) -> None:
        self.spec = spec
        self.max_containers = max(1, max_containers)
        self.isolation = isolation
        self.env = env or {}
        self.policy = policy
        self.layer_paths = layer_paths or []
        self._idle: list[Container | ProcessContainer] = []
        self._count = 0
        self._numbers = itertools.count(1)
        self._cond = threading.Condition()

    @property
    def size(self) -> int:
        return self._count

    def _acquire(self) -> Container | ProcessContainer:
        with self._cond:
            while True:
                if self._idle:
                    return self._idle.pop()
                if self._count < self.max_containers:
                    self._count += 1
                    number = next(self._numbers)
                    break
                self._cond.wait()
        try:
            if self.isolation == "process":
                return ProcessContainer(self.spec, number, self.env, self.policy, self.layer_paths)
            return Container(self.spec, number, self.policy)
        except BaseException:
            with self._cond:
                self._count -= 1
                self._cond.notify()
            raise

    def _release(self, container: Container | ProcessContainer) -> None:
        with self._cond:
            if container.poisoned:
                self._count -= 1
            else:
                self._idle.append(container)
            self._cond.notify()

    def warm(self) -> None:
        """Create one container now (import errors surface at start-up instead of on the first request)."""
        self._release(self._acquire())

    def invoke(self, event: Any, *, request_id: str | None = None, timeout_s: float | None = None) -> Any:
        """Run the handler; raise FunctionError for anything Lambda would report as a function error.

        Nothing is logged here: whoever called decides whether the error is news (an authorizer's
        "Unauthorized" is not).
        """
        timeout = float(self.spec.timeout if timeout_s is None else min(timeout_s, self.spec.timeout))
        try:
            container = self._acquire()
        except FunctionError:
            raise
        except BaseException as err:
            raise FunctionError(str(err), type(err).__name__, traceback.format_exc()) from None
        context = LambdaContext(self.spec, request_id, timeout)
        try:
            return container.invoke(event, context, timeout)
        finally:
            self._release(container)

    def stop(self) -> None:
        with self._cond:
            for container in self._idle:
                container.stop()
            self._idle.clear()


def queue_concurrency(spec: FunctionSpec) -> int:
    """The largest ScalingConfig.MaximumConcurrency of the function's SQS events (0 if none sets a number)."""
    found = 0
    for event in spec.events:
        scaling = event.properties.get("ScalingConfig") if event.type == "SQS" else None
        maximum = scaling.get("MaximumConcurrency") if isinstance(scaling, dict) else None
        if isinstance(maximum, int) or (isinstance(maximum, str) and maximum.isdigit()):
            found = max(found, int(maximum))
    return found


class Functions:
    """Every function of the stack, by logical id.

    `isolation` "process" (a process per container, with `envs[lid]` as its whole environment) or "thread";
    `policies[lid]` is the function's IAM role, checked on each of its AWS calls (absent: not checked).
    A function whose SQS source delivers more batches at once than `max_containers` gets that many containers, so
    its batches don't queue for one.
    """

    def __init__(
        self,
        specs: dict[str, FunctionSpec],
        max_containers: int = MAX_CONTAINERS,
        *,
        isolation: str = "thread",
        envs: dict[str, dict[str, str]] | None = None,
        policies: dict[str, iam.RolePolicy] | None = None,
        layer_paths: list[str] | None = None,
    ) -> None:
        self.specs = specs
        self.pools = {
            lid: FunctionPool(
                spec,
                max(max_containers, queue_concurrency(spec)),
                isolation=isolation,
                env=(envs or {}).get(lid),
                policy=(policies or {}).get(lid),
                layer_paths=layer_paths,
            )
            for lid, spec in specs.items()
        }

    def __getitem__(self, logical_id: str) -> FunctionPool:
        return self.pools[logical_id]

    def __contains__(self, logical_id: object) -> bool:
        return logical_id in self.pools

    def stop(self) -> None:
        for pool in self.pools.values():
            pool.stop()
