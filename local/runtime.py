"""The local runtime wired together: moto, the template's resources, gateway, event sources, saved state."""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
import time
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote

import boto3

from local import iam
from local.events import EventSources
from local.gateway import (
    Gateway,
    GatewayServer,
    HttpRequest,
    HttpResponse,
    build_apis,
    build_routes,
)
from local.lambdas import FunctionError, Functions, add_layer_paths
from local.limits import MotoUsagePlanKeys, UsageLimiter
from local.motoserver import MOTO_LOCK, LockedMotoServer, install_moto_patches
from local.resources import Stack, create_resources
from local.state import MotoKeeper, StateDir, export_state, import_state
from local.template import ACCOUNT_ID, REGION, FunctionSpec, Template, own_environment, union_environment

log = logging.getLogger("local.runtime")

SAVE_INTERVAL_S = 2.0
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    # Never read a developer's real AWS config or credentials.
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}


def _flag(name: str, default: str = "on") -> bool:
    return os.environ.get(name, default).strip().lower() not in ("off", "false", "0", "no")


def configure_logging() -> None:
    # Powertools warns on every metrics flush of an invocation that added none to the shared metrics.
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    # Functions print their log lines (EMF metrics among them) to stdout: each reaches the log at once, as in Lambda.
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format="local: %(levelname)s %(name)s: %(message)s")
    logging.getLogger("local").setLevel(logging.INFO)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)


def lambda_environment(spec: FunctionSpec, variables: dict[str, str]) -> dict[str, str]:
    """A container's whole environment: what Lambda sets for every function, the local AWS endpoint and fake
    credentials, then the function's own variables (Globals + its own, resolved)."""
    env = {
        "AWS_LAMBDA_FUNCTION_NAME": spec.name,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory),
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.name}",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
        "LAMBDA_TASK_ROOT": str(spec.code_uri),
        "_HANDLER": spec.handler,
        "TZ": ":UTC",
        "LANG": "en_US.UTF-8",
        "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        **{k: os.environ[k] for k in ("TMPDIR",) if k in os.environ},
        **FAKE_CREDENTIALS,
        "AWS_ENDPOINT_URL": os.environ["AWS_ENDPOINT_URL"],
    }
    env.update(variables)
    return env


class Runtime:
    def __init__(
        self,
        template: str | os.PathLike[str] = "template.yaml",
        state_dir: str | os.PathLike[str] = ".local",
        port: int = 3000,
        host: str = "127.0.0.1",
    ) -> None:
        self.template_path = Path(template).resolve()
        self.state = StateDir(state_dir)
        self.port = port
        self.host = host
        self.moto: LockedMotoServer | None = None
        self.server: GatewayServer | None = None
        self.stack: Stack | None = None
        self.functions: Functions | None = None
        self.events: EventSources | None = None
        self.limiter = UsageLimiter()
        self.session: Any = None
        self._dirty = threading.Event()
        self._stopping = threading.Event()
        self._save_lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._started = False
        self._serving = False

    @property
    def url(self) -> str:
        assert self.server is not None
        return self.server.url

    def mark_changed(self) -> None:
        self._dirty.set()

    # start --------------------------------------------------------------------------------------------------
    def start(self) -> str:
        self.state.lock()
        saved = self.state.read()
        os.environ.pop("AWS_PROFILE", None)
        os.environ.update(FAKE_CREDENTIALS)
        install_moto_patches()
        self.moto = LockedMotoServer("127.0.0.1", 0, on_write=self.mark_changed)
        self.moto.start()
        os.environ["AWS_ENDPOINT_URL"] = self.moto.url
        self.session = boto3.session.Session(region_name=REGION)

        template = Template(self.template_path)
        self.stack = create_resources(
            template, self.session, known_secrets=(saved or {}).get("secrets"), keeper=MotoKeeper(saved)
        )
        if saved:
            import_state(saved, self.stack, self.session)
            self.limiter.load(saved.get("quotas") or {})

        # Bind before the environment is made: PROMPTBANK_PUBLIC_BASE_URL needs the port (which may be 0).
        self.server = GatewayServer((self.host, self.port), local_handler=self._local)
        overrides = {
            "PROMPTBANK_STAGE": "local",
            "PROMPTBANK_PUBLIC_BASE_URL": self.server.url,
            "POWERTOOLS_TRACE_DISABLED": "true",
        }
        own = {lid: own_environment(spec, self.stack.resolver, overrides) for lid, spec in self.stack.functions.items()}
        env, conflicts = union_environment(own)
        isolation = os.environ.get("PROMPTBANK_LOCAL_ISOLATION", "process").strip().lower()
        if isolation != "process":
            isolation = "thread"
            for conflict in conflicts:  # only a shared environment can conflict
                log.warning("environment conflict: %s", conflict)
        os.environ.update(env)
        layer_setting = os.environ.get("PROMPTBANK_LOCAL_LAYER_PATHS")
        layer_paths = [str(Path(p).resolve()) for p in (
            layer_setting.split(os.pathsep) if layer_setting else [template.root / "shared"]
        )]
        add_layer_paths(layer_paths)

        policies = None
        if iam.enforced():
            iam.install()
            policies = iam.role_policies(template, self.stack.resolver)
        self.functions = Functions(
            self.stack.functions,
            isolation=isolation,
            envs={lid: lambda_environment(spec, own[lid]) for lid, spec in self.stack.functions.items()},
            policies=policies,
            layer_paths=layer_paths,
        )
        apis = build_apis(self.stack.apis, self.stack.functions, self.stack.resolver)
        routes = build_routes(self.stack.functions, apis, self.stack.resolver)
        self.server.gateway = Gateway(
            apis=apis,
            routes=routes,
            functions=self.functions,
            usage_keys=MotoUsagePlanKeys(ACCOUNT_ID, REGION, MOTO_LOCK),
            limiter=self.limiter,
            rate_limits=_flag("PROMPTBANK_RATE_LIMITS"),
        )
        self.events = EventSources(
            self.functions,
            self.stack.functions,
            self.stack.resolver,
            self.session,
            on_change=self.mark_changed,
            ttl_interval_s=float(os.environ.get("PROMPTBANK_LOCAL_TTL_SWEEP_SECONDS", "60")),
            schedules_on=_flag("PROMPTBANK_LOCAL_SCHEDULES"),
        )
        self.events.start()
        server = self.server
        self._spawn("gateway", lambda: server.serve_forever(poll_interval=0.05))
        self._serving = True
        self._spawn("state-saver", self._save_loop)
        self._warm(routes)
        self._started = True
        return self.server.url

    def _warm(self, routes: list[Any]) -> None:
        """Import the health route's function (and authorizers) now, so the first GET /v1/health is quick."""
        assert self.functions is not None and self.server is not None and self.server.gateway is not None
        wanted = {r.function for r in routes if r.path.rstrip("/").endswith("/health") and r.method in ("GET", "ANY")}
        for api in self.server.gateway.apis.values():
            wanted.update(a.function for a in api.authorizers.values())
        for logical_id in sorted(wanted):
            try:
                self.functions[logical_id].warm()
            except Exception as err:
                log.error("%s does not load: %s: %s", logical_id, type(err).__name__, err)

    def _spawn(self, name: str, target: Any) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    # state --------------------------------------------------------------------------------------------------
    def save(self) -> None:
        assert self.stack is not None
        with self._save_lock:
            self._dirty.clear()
            try:
                data = export_state(self.stack, self.limiter.export())
                self.state.write(data)
            except Exception:
                self._dirty.set()
                raise

    def _save_loop(self) -> None:
        while not self._stopping.wait(SAVE_INTERVAL_S):
            if self._dirty.is_set() or self.limiter.changed:
                self.limiter.changed = False
                try:
                    self.save()
                except Exception:
                    log.exception("saving state failed; will retry")

    # stop ---------------------------------------------------------------------------------------------------
    def stop(self) -> None:
        """Stop accepting, let requests in flight finish, deliver pending events, save, and shut moto down."""
        self._stopping.set()
        if self.server is not None:
            if self._serving:  # shutdown() waits for serve_forever(), which must have been started
                self.server.shutdown()
            self.server.server_close()
            deadline = time.monotonic() + 10
            while self.server.in_flight > 0 and time.monotonic() < deadline:
                time.sleep(0.05)
        if self.events is not None:
            self.events.stop()
            try:
                self.events.drain(timeout_s=5)
            except Exception:
                log.exception("delivering pending events at shutdown failed")
        if self._started:  # never overwrite the saved state with a half-started runtime's
            try:
                self.save()
            except Exception:
                log.exception("saving state at shutdown failed")
        if self.functions is not None:
            self.functions.stop()
        if self.moto is not None:
            self.moto.stop()
        self.state.unlock()

    # /__local/* ---------------------------------------------------------------------------------------------
    def _local(self, method: str, path: str, request: HttpRequest) -> HttpResponse:
        assert self.events is not None and self.server is not None and self.server.gateway is not None
        parts = [unquote(p) for p in path.strip("/").split("/")][1:]
        query = dict(parse_qsl(request.query))
        if parts == ["drain"]:
            if method != "POST":
                return _json(405, {"error": "POST /__local/drain"})
            return _json(200, self.events.drain(timeout_s=float(query.get("timeout", 30))))
        if parts == ["schedules"]:
            return _json(
                200,
                {
                    fn: [
                        {
                            "event": s.event.name,
                            "expression": s.expression,
                            "enabled": s.enabled,
                            "next_run": s.next_run.isoformat() if s.next_run and self.events.schedules_on else None,
                        }
                        for s in sources
                    ]
                    for fn, sources in self.events.schedules.items()
                },
            )
        if len(parts) == 2 and parts[0] == "schedules":
            if method != "POST":
                return _json(405, {"error": f"POST /__local/schedules/{parts[1]}"})
            if parts[1] not in self.events.schedules:
                return _json(404, {"error": f"{parts[1]} has no schedule"})
            try:
                results = self.events.trigger(parts[1])
            except FunctionError as err:
                return _json(
                    500,
                    {"function": parts[1], "error": {"type": err.error_type, "message": err.error_message}},
                )
            self.mark_changed()
            return _json(200, {"function": parts[1], "results": results})
        if parts == ["routes"]:
            routes = self.server.gateway.routes.resources
            return _json(
                200,
                [
                    {
                        "path": path,
                        "method": m,
                        "function": r.function,
                        "authorizer": r.authorizer,
                        "api_key_required": r.api_key_required,
                    }
                    for path, methods in routes.items()
                    for m, r in methods.items()
                ],
            )
        if parts == ["save"]:
            if method != "POST":
                return _json(405, {"error": "POST /__local/save"})
            self.save()
            return _json(200, {"saved": str(self.state.file)})
        return _json(404, {"error": "unknown /__local endpoint"})


def _json(status: int, body: Any) -> HttpResponse:
    return HttpResponse(status, [("Content-Type", "application/json")], json.dumps(body, default=str).encode())
