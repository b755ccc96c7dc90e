"""`promptbank`: prompts as files in git, compiled and run from a shell, evaluated in CI (API.md §9).

    promptbank pull [--dir prompts]                 every prompt at `latest`, as <dir>/<slug>.md (download `raw`)
    promptbank push [--dir prompts] [--no-publish] [--force]
    promptbank compile REF [--var name=value ...] [--label L] [--version N] [--json]
    promptbank run REF [--var ...] [--query Q] [--model M] [--json]
    promptbank eval SUITE_ID [--junit FILE] [--json] [--timeout SECONDS]
    promptbank login                                 store an API key in ~/.config/promptbank/config.json

stdout carries the result only (a compiled text, an output, JSON); progress, tables, warnings and errors go to
stderr. Exit codes: 0 fine, 1 an error (or a push conflict), 2 a usage error, 100 an evaluation with failed
cases or a regression.

`pull` records what it wrote in <dir>/.promptbank.json: per slug the prompt's id, the version and its ETag, and
the SHA-256 of the file as written. `push` sends only the files whose hash changed, each with `If-Match: <the
recorded ETag>`, so a prompt changed on the server since the pull is a conflict (412) rather than a lost update.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import time
import xml.etree.ElementTree as ET
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Annotated, Any, Dict, Iterator, List, Optional, Tuple

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from . import _models as m
from ._base import DEFAULT_BASE_URL
from ._errors import APIStatusError, ConflictError, PreconditionFailedError, PromptbankError
from ._promptfile import PromptFile, PromptFileError, parse
from ._sync.client import PromptbankClient
from ._version import __version__

__all__ = ["app", "main"]

EXIT_ERROR = 1
EXIT_TESTS_FAILED = 100
STATE_FILE = ".promptbank.json"
STATE_FORMAT = 1
#: a prompt's slug (API.md §3): a new file is pushed only when its name is one
_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
#: seconds between two polls of a running evaluation: from the first value, growing to the last
POLL_FIRST_S = 0.5
POLL_MAX_S = 2.0

app = typer.Typer(
    name="promptbank",
    help="promptbank: keep prompts in files, push them as versions, compile, run and evaluate them.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="markdown",
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

BaseUrlOption = Annotated[
    Optional[str],
    typer.Option(
        "--base-url", envvar="PROMPTBANK_BASE_URL", show_default=False,
        help="The API's base URL (default: the one saved by `login`, else http://127.0.0.1:3000).",
    ),
]
ApiKeyOption = Annotated[
    Optional[str],
    typer.Option(
        "--api-key", envvar="PROMPTBANK_API_KEY", show_default=False,
        help="An API key (default: the one saved by `login` for this base URL).",
    ),
]
DirOption = Annotated[Path, typer.Option("--dir", "-d", help="The folder of the prompt files.", file_okay=False)]
VarOption = Annotated[
    Optional[List[str]],
    typer.Option(
        "--var", show_default=False,
        help="A variable, name=value (repeatable); name=@path reads the value from a file (@@ for a literal @).",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the API's JSON result instead of the text.")]
LabelOption = Annotated[Optional[str], typer.Option("--label", "-l", show_default=False, help="A label (default: your key's).")]
VersionOption = Annotated[Optional[int], typer.Option("--version", "-n", min=1, show_default=False, help="A version number.")]


# -- output, errors and configuration ------------------------------------------------------------------------


def _console() -> Console:
    """Everything but the result goes to stderr (made per command: CliRunner and pipes swap sys.stderr)."""
    return Console(stderr=True, highlight=False)


def _say(console: Console, text: str, style: Optional[str] = None) -> None:
    """A line on stderr, printed as is: no markup, no wrapping."""
    console.print(text, style=style, markup=False, highlight=False, soft_wrap=True)


def describe(error: PromptbankError) -> str:
    """One line for an API error: "<status> <code>: <message> (request <id>)"."""
    if isinstance(error, APIStatusError):
        request = f" (request {error.request_id})" if error.request_id else ""
        details = "; ".join(
            f"{d.get('field')}: {d.get('message')}" if d.get("field") else str(d.get("message", d))
            for d in error.details
            if isinstance(d, dict)
        )
        return f"{error.status_code} {error.code}: {error.message}{request}" + (f" [{details}]" if details else "")
    return str(error)


@contextmanager
def _errors(console: Console) -> Iterator[None]:
    """An API error, a file error or a broken prompt file ends the command with one line on stderr and exit 1."""
    try:
        yield
    except PromptbankError as error:
        _say(console, f"error: {describe(error)}", "red")
        raise typer.Exit(EXIT_ERROR) from None
    except (OSError, PromptFileError, UnicodeDecodeError) as error:
        _say(console, f"error: {error}", "red")
        raise typer.Exit(EXIT_ERROR) from None


def config_path() -> Path:
    """Where `login` keeps the key: $PROMPTBANK_CONFIG, else ~/.config/promptbank/config.json."""
    override = os.environ.get("PROMPTBANK_CONFIG")
    return Path(override).expanduser() if override else Path.home() / ".config" / "promptbank" / "config.json"


def _load_config() -> Dict[str, Any]:
    path = config_path()
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        raise typer.BadParameter(f"cannot read {path}: {error}") from None
    return loaded if isinstance(loaded, dict) else {}


def _settings(console: Console, base_url: Optional[str], api_key: Optional[str]) -> Tuple[str, str]:
    """(base URL, API key) for a command: --base-url/--api-key (or their environment variables), else what `login`
    saved. A saved key is sent only to the base URL it was saved for. Exit 1 when there is no key."""
    config = _load_config()
    url = (base_url or str(config.get("base_url") or "") or DEFAULT_BASE_URL).rstrip("/")
    key = api_key or ""
    if not key and config.get("api_key") and str(config.get("base_url") or "").rstrip("/") == url:
        key = str(config["api_key"])
    if not key:
        _say(console, "error: no API key: set PROMPTBANK_API_KEY, pass --api-key or run `promptbank login`", "red")
        raise typer.Exit(EXIT_ERROR)
    return url, key


def _make_client(console: Console, base_url: Optional[str], api_key: Optional[str]) -> PromptbankClient:
    """The client for a command (no cache: each command is one short process)."""
    url, key = _settings(console, base_url, api_key)
    return PromptbankClient(url, key, cache_ttl_seconds=0)


class _LazyClient:
    """A client made on first use: a push with nothing to send opens no connection pool (which costs more than
    hashing a few hundred files)."""

    def __init__(self, base_url: str, api_key: str) -> None:
        self.base_url = base_url
        self._api_key = api_key
        self._client: Optional[PromptbankClient] = None

    def get(self) -> PromptbankClient:
        if self._client is None:
            self._client = PromptbankClient(self.base_url, self._api_key, cache_ttl_seconds=0)
        return self._client

    def __enter__(self) -> "_LazyClient":
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._client is not None:
            self._client.close()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _write_atomic(path: Path, data: bytes, mode: Optional[int] = None) -> None:
    """Write `data` to a temporary file next to `path`, then rename it: a reader never sees half a file."""
    if mode is None:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    handle, temporary = tempfile.mkstemp(dir=str(path.parent), prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _variables(values: Optional[List[str]]) -> Dict[str, str]:
    """`--var name=value` options as a dict; `name=@path` reads the file, `name=@@text` is the literal `@text`."""
    variables: Dict[str, str] = {}
    for item in values or []:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise typer.BadParameter(f"{item!r} is not name=value", param_hint="--var")
        if value.startswith("@@"):
            value = value[1:]
        elif value.startswith("@"):
            try:
                value = Path(value[1:]).expanduser().read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as error:
                raise typer.BadParameter(f"{name}: cannot read {value[1:]}: {error}", param_hint="--var") from None
        variables[name] = value
    return variables


def _print_json(value: Any) -> None:
    typer.echo(json.dumps(value, ensure_ascii=False, indent=2))


# -- the record of a pull ------------------------------------------------------------------------------------


@dataclass
class Record:
    """What `pull` (or a `push`) left for a slug: the prompt, the version the file was taken at and its ETag (sent
    as If-Match by the next push), the SHA-256 of the file as written, and the prompt's updated_at then ("" when
    unknown, so that the next pull fetches the file again)."""

    id: str
    version: int
    etag: str
    sha256: str
    updated_at: str = ""


@dataclass
class State:
    base_url: str
    prompts: Dict[str, Record]

    @classmethod
    def load(cls, directory: Path) -> "State":
        path = directory / STATE_FILE
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls("", {})
        except ValueError as error:
            raise OSError(f"{path} is not valid JSON ({error}); delete it and pull again") from None
        try:
            prompts = {slug: Record(**fields) for slug, fields in (raw.get("prompts") or {}).items()}
        except TypeError as error:
            raise OSError(f"{path} is not a promptbank record ({error}); delete it and pull again") from None
        return cls(str(raw.get("base_url") or ""), prompts)

    def save(self, directory: Path) -> None:
        body = {
            "format": STATE_FORMAT,
            "base_url": self.base_url,
            "prompts": {slug: asdict(record) for slug, record in sorted(self.prompts.items())},
        }
        _write_atomic(directory / STATE_FILE, (json.dumps(body, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))


def _print_summary(console: Console, verb: str, rows: List[Tuple[str, str, str, str]]) -> None:
    """"<verb>: 2 unchanged, 1 updated" on stderr, then a table of the files something happened to (unchanged files
    are only counted: a table of 200 unchanged rows says nothing and takes longer to draw than the push)."""
    counts: Dict[str, int] = {}
    for row in rows:
        counts[row[1]] = counts.get(row[1], 0) + 1
    _say(console, f"{verb}: " + (", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "no prompt files"))
    shown = [row for row in rows if row[1] != "unchanged"]
    if not shown:
        return
    table = Table()
    for column in ("file", "status", "version", "detail"):
        table.add_column(column, overflow="fold")
    styles = {"conflict": "red", "error": "red", "kept": "yellow", "skipped": "yellow", "created": "green", "updated": "green"}
    for name, status, version, detail in shown:
        style = next((s for key, s in styles.items() if status.startswith(key)), None)
        table.add_row(escape(name), escape(status), version, escape(detail), style=style)
    console.print(table)


# -- commands ------------------------------------------------------------------------------------------------


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"promptbank {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        Optional[bool],
        typer.Option("--version", callback=_version_callback, is_eager=True, help="Print the version and exit."),
    ] = None,
) -> None:
    """promptbank: keep prompts in files, push them as versions, compile, run and evaluate them.

    Configuration: PROMPTBANK_BASE_URL and PROMPTBANK_API_KEY (or --base-url / --api-key, or `promptbank login`).
    """


@app.command()
def pull(
    directory: DirOption = Path("prompts"),
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite local files that have changes not pushed yet.")
    ] = False,
    base_url: BaseUrlOption = None,
    api_key: ApiKeyOption = None,
) -> None:
    """Write every prompt of yours, at `latest`, as DIR/SLUG.md.

    Each file is the download `raw` format: front matter, then the content. What was pulled (version, ETag, file
    hash) is recorded in DIR/.promptbank.json for the next push. A file changed locally since the last pull is
    kept, not overwritten (exit 1), unless --force."""
    console = _console()
    rows: List[Tuple[str, str, str, str]] = []
    failed = False
    with _errors(console), _make_client(console, base_url, api_key) as client:
        directory.mkdir(parents=True, exist_ok=True)
        state = State.load(directory)
        if state.base_url and state.base_url != client.base_url:
            state = State(client.base_url, {})  # records of another server say nothing about this one
        state.base_url = client.base_url
        try:
            summaries = sorted(client.list_prompts(), key=lambda s: s.slug)
            on_server = {(s.slug, s.id) for s in summaries}
            for summary in summaries:
                try:
                    row, ok = _pull_one(client, directory, state, summary, force)
                except APIStatusError as error:  # e.g. deleted since the list: the other prompts are still pulled
                    row, ok = (f"{summary.slug}.md", "error", "", describe(error)), False
                rows.append(row)
                failed = failed or not ok
            for slug, record in sorted(state.prompts.items()):
                if (slug, record.id) not in on_server:
                    rows.append(_forget(directory, state, slug, record))
        finally:
            state.save(directory)
    _print_summary(console, f"pull into {directory}", rows)
    if failed:
        raise typer.Exit(EXIT_ERROR)


def _pull_one(
    client: PromptbankClient, directory: Path, state: State, summary: m.PromptSummary, force: bool
) -> Tuple[Tuple[str, str, str, str], bool]:
    """Pull one prompt; (table row, False when a local change was kept)."""
    name = f"{summary.slug}.md"
    path = directory / name
    record = state.prompts.get(summary.slug)
    if record is not None and record.id != summary.id:
        record = None  # the slug now names another prompt
    local = path.read_bytes() if path.exists() else None
    local_hash = _sha256(local) if local is not None else None
    pristine = record is not None and local_hash == record.sha256
    if (
        pristine and record is not None and record.version == summary.latest_version and record.etag == summary.etag
        and record.updated_at == summary.updated_at
    ):
        return (name, "unchanged", f"v{record.version}", ""), True
    text = client.download(summary.id, format="raw", label="latest")
    data = text.encode("utf-8")
    if local is not None and local != data and not pristine and not force:
        detail = "changed locally since the last pull" if record is not None else "exists and differs (never pulled)"
        return (name, "kept", f"v{summary.latest_version} on server", f"{detail}; push it, or pull --force"), False
    try:
        version = parse(text).version or summary.latest_version
    except PromptFileError:
        version = summary.latest_version
    if version == summary.latest_version and summary.etag:
        etag, updated_at = summary.etag, summary.updated_at
    else:  # a version was added between the list and the download: the file's own version decides
        etag, updated_at = client.get_prompt(summary.id, version=version).etag, ""
    if local != data:
        _write_atomic(path, data)
    state.prompts[summary.slug] = Record(summary.id, version, etag, _sha256(data), updated_at)
    status = "pulled" if local is None else ("updated" if local != data else "unchanged")
    return (name, status, f"v{version}", ""), True


def _forget(directory: Path, state: State, slug: str, record: Record) -> Tuple[str, str, str, str]:
    """A recorded prompt no longer on the server (deleted, or renamed): its file goes if it has no local change."""
    name = f"{slug}.md"
    path = directory / name
    del state.prompts[slug]
    if not path.exists():
        return name, "removed", f"v{record.version}", "no longer on the server"
    if _sha256(path.read_bytes()) == record.sha256:
        path.unlink()
        return name, "removed", f"v{record.version}", "no longer on the server (deleted or renamed)"
    return name, "kept", f"v{record.version}", "no longer on the server; changed locally: push creates it again"


@app.command()
def push(
    directory: DirOption = Path("prompts"),
    no_publish: Annotated[
        bool, typer.Option("--no-publish", help="Create versions without moving the `production` label.")
    ] = False,
    force: Annotated[
        bool,
        typer.Option("--force", help="Overwrite prompts changed on the server since the pull (no If-Match)."),
    ] = False,
    message: Annotated[
        Optional[str], typer.Option("--message", "-m", show_default=False, help="The commit message of new versions.")
    ] = None,
    base_url: BaseUrlOption = None,
    api_key: ApiKeyOption = None,
) -> None:
    """Send changed prompt files as new versions, and new files as new prompts.

    Each changed DIR/SLUG.md becomes a new version (published unless --no-publish); each new file a new prompt
    whose slug is the file name; unchanged files send nothing. A prompt changed on the server since it was pulled
    is a conflict: nothing is written for it, the other files are pushed, and the exit code is 1 (--force
    overwrites it)."""
    console = _console()
    rows: List[Tuple[str, str, str, str]] = []
    failed = False
    with _errors(console), _LazyClient(*_settings(console, base_url, api_key)) as client:
        if not directory.is_dir():
            raise OSError(f"{directory} is not a folder (run `promptbank pull --dir {directory}` first)")
        state = State.load(directory)
        if state.base_url and state.base_url != client.base_url:
            raise OSError(
                f"{directory} was pulled from {state.base_url}, not {client.base_url}: pass --base-url {state.base_url}"
                f" or pull from {client.base_url} into another folder"
            )
        state.base_url = client.base_url
        try:
            for path in sorted(directory.glob("*.md")):
                row, ok = _push_one(client, state, path, publish=not no_publish, force=force, message=message)
                rows.append(row)
                failed = failed or not ok
        finally:
            state.save(directory)
    _print_summary(console, f"push from {directory}", rows)
    if failed:
        raise typer.Exit(EXIT_ERROR)


def _fields(prompt_file: PromptFile, *, create: bool) -> Dict[str, Any]:
    """The PromptCreate / PromptUpdate fields a file sets (the client leaves out the None ones). On update, a
    nullable field the file sets to null is cleared (`clear_<field>`; system_prompt by the empty string, which
    the API stores as null; model_config by {})."""
    present = set(prompt_file.present)
    fields: Dict[str, Any] = {
        "name": prompt_file.name,
        "category": prompt_file.category,
        "tags": prompt_file.tags if "tags" in present else None,
        "framework": prompt_file.framework,
        "variables": (prompt_file.variables or {}) if "variables" in present else None,
    }
    if not create and "framework" in present and prompt_file.framework is None:
        fields["clear_framework"] = True
    if create:
        fields.update(
            description=prompt_file.description, system_prompt=prompt_file.system_prompt,
            model_config=prompt_file.model_config or None,
        )
        return fields
    if "description" in present:
        if prompt_file.description is None:
            fields["clear_description"] = True
        else:
            fields["description"] = prompt_file.description
    if "system_prompt" in present:
        fields["system_prompt"] = prompt_file.system_prompt or ""
    if "model_config" in present:
        fields["model_config"] = prompt_file.model_config or {}
    return fields


def _push_one(
    lazy: _LazyClient, state: State, path: Path, *, publish: bool, force: bool, message: Optional[str]
) -> Tuple[Tuple[str, str, str, str], bool]:
    """Push one file; (table row, False on a conflict or an error)."""
    slug = path.stem
    data = path.read_bytes()
    digest = _sha256(data)
    record = state.prompts.get(slug)
    if record is not None and record.sha256 == digest:
        return (path.name, "unchanged", f"v{record.version}", ""), True
    if record is None and not _SLUG.match(slug):
        return (path.name, "skipped", "", "the file name is not a slug (a-z, 0-9, single hyphens)"), True
    try:
        prompt_file = parse(data.decode("utf-8"))
    except (UnicodeDecodeError, PromptFileError) as error:
        return (path.name, "error", "", f"not a prompt file: {error}"), False
    client = lazy.get()
    notes = []
    if prompt_file.unknown:
        notes.append("ignored: " + ", ".join(prompt_file.unknown))
    if prompt_file.slug is not None and prompt_file.slug != slug:
        notes.append(f"front matter slug {prompt_file.slug!r} ignored: the file name is the slug")
    try:
        if record is None:
            fields = _fields(prompt_file, create=True)
            try:
                prompt = client.create_prompt(
                    name=fields.pop("name") or slug, content=prompt_file.content, slug=slug, publish=publish,
                    commit_message=message, **fields,
                )
                status = "created"
            except ConflictError:
                if not force:
                    raise
                fields = _fields(prompt_file, create=False)
                prompt = client.update_prompt(
                    slug, content=prompt_file.content, publish=publish, commit_message=message, **fields
                )
                status = "updated"
                notes.append("existed on the server: overwritten (--force)")
        else:
            prompt = client.update_prompt(
                record.id, if_match=None if force else record.etag, content=prompt_file.content, publish=publish,
                commit_message=message, **_fields(prompt_file, create=False),
            )
            status = "updated" if prompt.version != record.version else "updated (metadata)"
            if prompt.version == record.version:
                notes.append("no versioned field changed: no new version")
    except PreconditionFailedError:
        assert record is not None
        detail = (
            f"changed on the server since v{record.version} was pulled: nothing written; "
            "`push --force` overwrites it, `pull --force` takes the server's"
        )
        return (path.name, "conflict", f"v{record.version}", detail), False
    except ConflictError as error:
        detail = f"{describe(error)}; pull first, or push --force to overwrite it"
        return (path.name, "error", "", detail), False
    except APIStatusError as error:
        return (path.name, "error", "", describe(error)), False
    state.prompts[slug] = Record(prompt.id, prompt.version, prompt.etag, digest, "")
    return (path.name, status, f"v{prompt.version}", "; ".join(notes)), True


@app.command("compile")
def compile_command(
    ref: Annotated[str, typer.Argument(help="The prompt: its slug or id.", show_default=False)],
    var: VarOption = None,
    label: LabelOption = None,
    version: VersionOption = None,
    strict: Annotated[bool, typer.Option("--strict", help="Missing or unknown variables are an error.")] = False,
    json_output: JsonOption = False,
    base_url: BaseUrlOption = None,
    api_key: ApiKeyOption = None,
) -> None:
    """Print a prompt compiled with variables (--json: the whole Compiled result).

    Warnings (missing or unused variables) go to stderr."""
    console = _console()
    variables = _variables(var)
    with _errors(console), _make_client(console, base_url, api_key) as client:
        compiled = client.compile(ref, variables or None, label=label, version=version, strict=strict)
    if compiled.missing_variables:
        names = ", ".join(compiled.missing_variables)
        _say(console, f"warning: missing variables (rendered as [name]): {names}", "yellow")
    if compiled.unused_variables:
        _say(console, f"warning: variables the prompt does not use: {', '.join(compiled.unused_variables)}", "yellow")
    if json_output:
        _print_json(compiled.model_dump(mode="json", by_alias=True, exclude_unset=True, exclude={"is_fallback"}))
    else:
        typer.echo(compiled.compiled_prompt)


@app.command("run")
def run_command(
    ref: Annotated[str, typer.Argument(help="The prompt: its slug or id.", show_default=False)],
    var: VarOption = None,
    query: Annotated[
        Optional[str], typer.Option("--query", "-q", show_default=False, help="A user message after the prompt.")
    ] = None,
    model: Annotated[
        Optional[str], typer.Option("--model", show_default=False, help="The model (default: the prompt's).")
    ] = None,
    label: LabelOption = None,
    version: VersionOption = None,
    json_output: JsonOption = False,
    base_url: BaseUrlOption = None,
    api_key: ApiKeyOption = None,
) -> None:
    """Run a prompt against its model and print the output (--json: the whole RunResult)."""
    console = _console()
    variables = _variables(var)
    with _errors(console), _make_client(console, base_url, api_key) as client:
        result = client.run(ref, variables or None, query=query, model=model, label=label, version=version)
    cost = "unknown cost" if result.cost_usd is None else f"${result.cost_usd:.6f}"
    _say(
        console,
        f"{result.provider}/{result.model} v{result.prompt_version}: {result.input_tokens} in, "
        f"{result.output_tokens} out, {cost}, {result.latency_ms} ms, finish {result.finish_reason}",
        "dim",
    )
    if json_output:
        _print_json(result.model_dump(mode="json", by_alias=True, exclude_unset=True))
    else:
        typer.echo(result.output)


@app.command("eval")
def eval_command(
    suite_id: Annotated[str, typer.Argument(help="The suite's id.", show_default=False)],
    junit: Annotated[
        Optional[Path],
        typer.Option("--junit", dir_okay=False, show_default=False, help="Write a JUnit XML report to this file."),
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print the EvalRun as JSON (the only stdout).")] = False,
    timeout: Annotated[
        float, typer.Option("--timeout", min=1, help="Give up waiting after this many seconds (exit 1).")
    ] = 1800.0,
    base_url: BaseUrlOption = None,
    api_key: ApiKeyOption = None,
) -> None:
    """Run an evaluation suite, wait for it and summarise it (exit 0, 100 or 1).

    Starts a run, shows its progress on stderr, waits for it and prints a table of its cases. Exit 0 when every
    case passed and the run did not regress, 100 when a case failed or it regressed, 1 on any other error (the
    run failed as a whole, an API error, the timeout)."""
    console = _console()
    with _errors(console), _make_client(console, base_url, api_key) as client:
        suite = client.get_suite(suite_id)
        run = client.start_suite_run(suite_id)
        _say(console, f"suite {suite.name!r}: run {run.id} queued ({run.total_cases} cases)")
        run, finished = _wait(client, console, run, timeout)
        if finished:
            run = client.get_eval_run(run.id)
    if not finished:
        problem = f"the run did not finish within {timeout:g} s (status {run.status}, {run.done_cases}/{run.total_cases})"
    elif run.status != "succeeded":
        problem = f"the run failed: {run.error or 'no reason given'}"
    else:
        problem = None
    _print_run(console, suite.name, run)
    if junit is not None:
        with _errors(console):
            _write_atomic(junit, junit_xml(suite.name, run, problem))
        _say(console, f"JUnit report: {junit}")
    if json_output:
        _print_json(run.model_dump(mode="json", by_alias=True, exclude_unset=True))
    if problem is not None:
        _say(console, f"error: {problem}", "red")
        raise typer.Exit(EXIT_ERROR)
    if run.regressed or not all(case.passed for case in run.results):
        raise typer.Exit(EXIT_TESTS_FAILED)


def _wait(client: PromptbankClient, console: Console, run: m.EvalRun, timeout: float) -> Tuple[m.EvalRun, bool]:
    """Poll the run until it has ended or `timeout` has passed, with a progress bar on stderr; (run, ended)."""
    deadline = time.monotonic() + timeout
    interval = POLL_FIRST_S
    columns = (
        SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()
    )
    seen = (run.status, run.done_cases)
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task(run.status, total=run.total_cases or None, completed=run.done_cases)
        while run.status in ("queued", "running"):
            if time.monotonic() >= deadline:
                return run, False
            time.sleep(min(interval, max(0.0, deadline - time.monotonic())))
            interval = min(POLL_MAX_S, interval * 1.5)
            run = client.get_eval_run(run.id, all_results=False, results_limit=1)
            progress.update(task, description=run.status, total=run.total_cases or None, completed=run.done_cases)
            if not console.is_terminal and (run.status, run.done_cases) != seen:
                # no live bar in a CI log: a line per change instead
                seen = (run.status, run.done_cases)
                _say(progress.console, f"{run.status}: {run.done_cases}/{run.total_cases} cases done")
    return run, True


def _print_run(console: Console, suite_name: str, run: m.EvalRun) -> None:
    table = Table(title=f"{suite_name}: run {run.id}", title_justify="left")
    for column in ("case", "result", "score", "latency", "why"):
        table.add_column(column, overflow="fold")
    for case in run.results:
        verdict = "PASS" if case.passed else ("ERROR" if case.error else "FAIL")
        score = "" if case.quality_score is None else f"{case.quality_score:.0f}"
        latency = "" if case.latency_ms is None else f"{case.latency_ms} ms"
        table.add_row(
            escape(case.name or case.test_case_id), verdict, score, latency, escape(_why(case)),
            style=None if case.passed else "red",
        )
    console.print(table)
    summary = run.summary
    if summary is not None:
        _say(
            console,
            f"{summary.passed_tests}/{summary.total_tests} passed ({summary.pass_rate:.0%}), "
            f"{'regressed' if run.regressed else 'no regression'}; prompt v{run.prompt_version} "
            f"({run.label}), cost ${summary.total_cost_usd:.6f}; status {run.status}",
        )
    else:
        _say(console, f"status {run.status}, {run.done_cases}/{run.total_cases} cases done")


def _why(case: m.CaseResult) -> str:
    if case.error:
        return case.error
    return "; ".join(f"{a.type}: {a.reason}" for a in case.assertions if not a.passed)


# -- JUnit ---------------------------------------------------------------------------------------------------

#: characters XML 1.0 cannot hold, even escaped
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml(text: Optional[str]) -> str:
    return _NOT_XML.sub("\ufffd", text or "")


def junit_xml(suite_name: str, run: m.EvalRun, problem: Optional[str] = None) -> bytes:
    """The run as a JUnit XML report: one testsuite, one testcase per case; a failed case has a <failure> listing
    its failed assertions' reasons, a case that could not run an <error>; a run that failed as a whole (or timed
    out) adds an errored testcase saying why."""
    failures = sum(1 for case in run.results if not case.passed and not case.error)
    errors = sum(1 for case in run.results if case.error) + (1 if problem else 0)
    tests = len(run.results) + (1 if problem else 0)
    seconds = sum(case.latency_ms or 0 for case in run.results) / 1000
    root = ET.Element("testsuites", name="promptbank", tests=str(tests), failures=str(failures), errors=str(errors))
    suite = ET.SubElement(
        root, "testsuite", name=_xml(suite_name), tests=str(tests), failures=str(failures), errors=str(errors),
        skipped="0", time=f"{seconds:.3f}", timestamp=(run.started_at or run.created_at).rstrip("Z"), id=run.id,
    )
    properties = ET.SubElement(suite, "properties")
    for key, value in (
        ("suite_id", run.suite_id), ("run_id", run.id), ("status", run.status), ("prompt_id", run.prompt_id),
        ("prompt_version", run.prompt_version), ("label", run.label), ("model", run.model),
        ("pass_rate", run.summary.pass_rate if run.summary else None), ("regressed", run.regressed),
    ):
        if value is not None:
            text = str(value).lower() if isinstance(value, bool) else str(value)
            ET.SubElement(properties, "property", name=key, value=_xml(text))
    for case in run.results:
        element = ET.SubElement(
            suite, "testcase", name=_xml(case.name or f"case {case.test_case_id}"), classname=_xml(suite_name),
            time=f"{(case.latency_ms or 0) / 1000:.3f}",
        )
        if case.error:
            ET.SubElement(element, "error", message=_xml(case.error), type="error").text = _xml(case.error)
        elif not case.passed:
            failed = [a for a in case.assertions if not a.passed]
            failure = ET.SubElement(
                element, "failure", message=_xml("; ".join(a.reason for a in failed) or "failed"), type="assertion"
            )
            failure.text = _xml("\n".join(f"{a.type} (score {a.score:g}): {a.reason}" for a in failed))
        if case.output is not None:
            ET.SubElement(element, "system-out").text = _xml(case.output)
    if problem:
        element = ET.SubElement(suite, "testcase", name="suite run", classname=_xml(suite_name), time="0")
        ET.SubElement(element, "error", message=_xml(problem), type=run.status).text = _xml(run.error or problem)
    ET.indent(root)
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document + b"\n"


# -- login ---------------------------------------------------------------------------------------------------


@app.command()
def login(
    api_key: Annotated[
        Optional[str],
        typer.Option("--api-key", show_default=False, help="The key to save (asked for, hidden, when not given)."),
    ] = None,
    base_url: BaseUrlOption = None,
) -> None:
    """Save an API key for the other commands.

    The key is checked against the API, then saved with the base URL in ~/.config/promptbank/config.json (mode
    0600; PROMPTBANK_CONFIG overrides the path). It is used when PROMPTBANK_API_KEY is unset, for that base URL
    only."""
    console = _console()
    key = api_key or typer.prompt("API key", hide_input=True, err=True)
    with _errors(console), PromptbankClient(base_url or None, key, cache_ttl_seconds=0) as client:
        user = client.me()
        path = config_path()
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        body = {"base_url": client.base_url, "api_key": key}
        _write_atomic(path, (json.dumps(body, indent=2) + "\n").encode("utf-8"), mode=0o600)
    _say(console, f"logged in to {client.base_url} as {user.email}; key saved in {path}")


def main() -> None:
    """The `promptbank` console script."""
    app()


if __name__ == "__main__":
    main()
