# GENERATED from _async/client.py by sdk/python/scripts/generate.py (unasync): edit that file, not this.
"""The asyncio client, `AsyncPromptbankClient`: every route of the API as a method.

This file is the source of both clients: `sdk/python/scripts/generate.py` turns it into the blocking
`PromptbankClient` (`_sync/client.py`) with unasync, so the two cannot disagree. Write it so that removing
`async`/`await` gives the blocking code: concurrency-specific pieces live in `_async_support` / `_sync_support`.
"""

from __future__ import annotations

import os
from typing import (
    Any,
    Iterator,
    Callable,
    Dict,
    Hashable,
    List,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    Type,
    TypeVar,
    Union,
)

import httpx
from pydantic import BaseModel

from .. import _models as m
from .._sync_support import Background, sleep
from .._base import DEFAULT_TIMEOUT, BaseClient, Request, Variables, body, gone, path_part
from .._errors import APIConnectionError, APITimeoutError, PromptbankError, error_from_response
from .._types import CompiledResult, PromptResult

__all__ = ["PromptbankClient"]

T = TypeVar("T", bound=BaseModel)
CacheKey = Tuple[Hashable, ...]


class PromptbankClient(BaseClient):
    """A promptbank API client. `base_url` and `api_key` default to `PROMPTBANK_BASE_URL` and `PROMPTBANK_API_KEY`.

    `timeout` is per attempt (the routes that call an LLM wait 30 s unless you set one); `max_retries` extra
    attempts follow a 429, a 5xx or a connection error, with exponential backoff and jitter, honouring
    `Retry-After`. `get_prompt` and `compile` are cached for `cache_ttl_seconds` (0: off), then revalidated in
    the background; with `cache_dir`, the last good value is also kept on disk for a new process. The memory
    cache keeps the `cache_max_entries` most recently used values. `http_client` replaces the connection pool
    (proxies, event hooks, a test transport).
    """

    def __init__(
        self,
        base_url: Optional[str] = None,
        api_key: Optional[str] = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        max_retries: int = 2,
        cache_ttl_seconds: float = 60,
        cache_dir: Optional[Union[str, "os.PathLike[str]"]] = None,
        cache_max_entries: int = 1000,
        http_client: Optional[httpx.Client] = None,
    ) -> None:
        super().__init__(
            base_url, api_key, timeout=timeout, max_retries=max_retries, cache_ttl_seconds=cache_ttl_seconds,
            cache_dir=cache_dir, cache_max_entries=cache_max_entries,
        )
        self._http = http_client or httpx.Client()
        self._own_http = http_client is None
        self._background = Background()

    def __enter__(self) -> "PromptbankClient":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Let background revalidations finish, then close the connections (if the client opened them)."""
        self._background.wait()
        if self._own_http:
            self._http.close()

    # -- transport -----------------------------------------------------------------------------------------

    def _send(self, request: Request, *, llm: bool = False, retries: Optional[int] = None) -> httpx.Response:
        request = self._prepare(request)
        headers = {**self._default_headers(), **request.headers}
        timeout = self._timeout_for(request, llm)
        attempt = 0
        while True:
            response: Optional[httpx.Response] = None
            try:
                response = self._http.request(
                    request.method, self.base_url + request.path, params=request.params, json=request.json,
                    headers=headers, timeout=timeout,
                )
            except httpx.TimeoutException as exc:
                error: PromptbankError = APITimeoutError(f"No answer within {timeout} s: {exc}", request=exc.request)
            except httpx.TransportError as exc:
                error = APIConnectionError(f"Cannot reach {self.base_url}: {exc}", request=exc.request)
            else:
                if response.status_code < 400:
                    return response
                error = error_from_response(response)
            delay = self._retry_delay(attempt, response, retries)
            if delay is None:
                raise error
            sleep(delay)
            attempt += 1

    def _call(self, request: Request, result_type: Type[T], *, llm: bool = False) -> T:
        response = self._send(request, llm=llm)
        return result_type.model_validate(response.json())

    def _call_none(self, request: Request) -> None:
        self._send(request)

    def _text(self, request: Request) -> str:
        return (self._send(request)).text

    def _pages(self, path: str, params: Mapping[str, Any], item_type: Type[T]) -> Iterator[T]:
        """Every item of a cursor-paged list, fetching the next page when the last one is used up."""
        cursor: Optional[str] = None
        while True:
            page = (self._send(Request("GET", path, params={**params, "cursor": cursor}))).json()
            for item in page["data"]:
                yield item_type.model_validate(item)
            cursor = page.get("next_cursor")
            if not cursor:
                return

    # -- the cache -----------------------------------------------------------------------------------------

    def _cached(
        self, key: CacheKey, make_request: Callable[[], Request], result_type: Type[T], fallback: Optional[Callable[[], T]]
    ) -> T:
        if not self._cache.enabled:  # no cache at all: a failure gives the fallback or the error
            try:
                return self._call(make_request(), result_type)
            except PromptbankError:
                if fallback is None:
                    raise
                return fallback()
        entry = self._cache.get(key)
        if entry is not None:
            if not self._cache.is_fresh(entry) and self._cache.begin_refresh(key):
                self._background.spawn(self._revalidate, key, make_request(), result_type)
            return entry.result  # type: ignore[no-any-return]
        request = make_request()
        try:
            response = self._send(request)
        except PromptbankError as error:
            return self._recover(key, error, result_type, fallback)
        return self._store(key, response, result_type)

    def _revalidate(self, key: CacheKey, request: Request, result_type: Type[T]) -> None:
        try:
            entry = self._cache.get(key)
            if entry is not None and entry.etag and request.method == "GET":
                request = request.with_headers({"If-None-Match": f'"{entry.etag}"'})
            try:
                # one attempt: the stale value is already returned, and the next call after the TTL tries again
                response = self._send(request, retries=0)
            except PromptbankError as error:
                if gone(error):
                    self._cache.evict(key)  # a removed prompt or label is not served stale forever
                return  # otherwise keep serving the stale value; the next call after the TTL tries again
            self._revalidated(key, entry, response, result_type)
        except Exception:  # a background refresh must never surface; the stale value stays
            return
        finally:
            self._cache.end_refresh(key)

    # -- prompts -------------------------------------------------------------------------------------------

    def get_prompt(
        self,
        ref: str,
        *,
        label: Optional[str] = None,
        version: Optional[int] = None,
        fallback: Optional[str] = None,
        timeout: Optional[float] = None,
    ) -> PromptResult:
        """A prompt at a label or version (cached). With `fallback`, a failure that leaves no cached value
        gives a result whose `content` is the fallback and whose `is_fallback` is True."""
        def make_request() -> Request:
            return self._prompt_request(ref, label, version, timeout)

        on_fallback = None if fallback is None else (lambda: PromptResult.from_fallback(ref, fallback, label, version))
        key = self._cache_key("prompt", ref, (label, version))
        return self._cached(key, make_request, PromptResult, on_fallback)

    def compile(
        self,
        ref: str,
        variables: Optional[Variables] = None,
        *,
        label: Optional[str] = None,
        version: Optional[int] = None,
        strict: bool = False,
        fallback: Optional[str] = None,
        timeout: Optional[float] = None,
    ) -> CompiledResult:
        """A prompt compiled with `variables` (cached per variables). With `fallback`, a failure that leaves no
        cached value gives a result whose `compiled_prompt` is the fallback and whose `is_fallback` is True."""
        def make_request() -> Request:
            return self._compile_request(ref, variables, label, version, strict, timeout)

        on_fallback = None if fallback is None else (lambda: CompiledResult.from_fallback(ref, fallback, label, version))
        key = self._cache_key("compile", ref, (label, version), variables, strict)
        return self._cached(key, make_request, CompiledResult, on_fallback)

    def list_prompts(
        self, *, category: Optional[str] = None, tag: Optional[str] = None, q: Optional[str] = None, page_size: int = 100
    ) -> Iterator[m.PromptSummary]:
        """Every prompt of the caller (most recently updated first), page after page."""
        params = {"category": category, "tag": tag, "q": q, "limit": page_size}
        return self._pages("/v1/prompts", params, m.PromptSummary)

    def create_prompt(self, *, name: str, content: str, **fields: Any) -> m.Prompt:
        """A new prompt (version 1); `fields` are the other fields of `PromptCreate` (slug, system_prompt,
        description, category, tags, framework, variables, model_config, is_public, publish, commit_message)."""
        return self._call(Request("POST", "/v1/prompts", json=body(name=name, content=content, **fields)), m.Prompt)

    def update_prompt(self, ref: str, *, if_match: Optional[str] = None, **fields: Any) -> m.Prompt:
        """Change a prompt: a versioned field makes a new version. `if_match` (an ETag) guards against a lost
        update (412 `PreconditionFailedError`). A None value is not sent; to clear a field the API lets you clear
        (description, system_prompt, framework, model_config, commit_message), pass `clear_<field>=True`."""
        payload = body(**fields)
        for name in ("description", "system_prompt", "framework", "model_config", "commit_message"):
            if payload.pop(f"clear_{name}", False):
                payload[name] = None
        headers = {"If-Match": if_match if if_match.startswith(('"', "W/", "*")) else f'"{if_match}"'} if if_match else {}
        return self._call(Request("PATCH", f"/v1/prompts/{path_part(ref)}", json=payload, headers=headers), m.Prompt)

    def delete_prompt(self, ref: str) -> None:
        self._call_none(Request("DELETE", f"/v1/prompts/{path_part(ref)}"))

    def list_versions(self, ref: str, *, page_size: int = 100) -> Iterator[m.VersionSummary]:
        return self._pages(f"/v1/prompts/{path_part(ref)}/versions", {"limit": page_size}, m.VersionSummary)

    def get_version(self, ref: str, version: int) -> m.Version:
        return self._call(Request("GET", f"/v1/prompts/{path_part(ref)}/versions/{int(version)}"), m.Version)

    def set_label(self, ref: str, label: str, version: int) -> m.Prompt:
        request = Request("PUT", f"/v1/prompts/{path_part(ref)}/labels/{path_part(label)}", json={"version": version})
        return self._call(request, m.Prompt)

    def delete_label(self, ref: str, label: str) -> None:
        self._call_none(Request("DELETE", f"/v1/prompts/{path_part(ref)}/labels/{path_part(label)}"))

    def publish(self, ref: str, version: Optional[int] = None) -> m.Prompt:
        """Move `production` to `version` (default: latest)."""
        return self._call(Request("POST", f"/v1/prompts/{path_part(ref)}/publish", json=body(version=version)), m.Prompt)

    def download(
        self,
        ref: str,
        *,
        format: str = "compiled",
        variables: Optional[Variables] = None,
        label: Optional[str] = None,
        version: Optional[int] = None,
    ) -> str:
        """The prompt as a Markdown file: `raw` (front matter + content) or `compiled`."""
        import base64
        import json

        encoded = base64.b64encode(json.dumps(dict(variables)).encode()).decode() if variables else None
        params = {"format": format, "variables": encoded, "label": label, "version": version}
        return self._text(Request("GET", f"/v1/prompts/{path_part(ref)}/download", params=params))

    # -- sharing and discovery -----------------------------------------------------------------------------

    def create_share(
        self, ref: str, *, prefilled_variables: Optional[Variables] = None, expires_in_hours: Optional[int] = None
    ) -> m.Share:
        payload = body(prefilled_variables=dict(prefilled_variables) if prefilled_variables else None, expires_in_hours=expires_in_hours)
        return self._call(Request("POST", f"/v1/prompts/{path_part(ref)}/shares", json=payload), m.Share)

    def list_prompt_shares(self, ref: str) -> List[m.Share]:
        """The active share links of a prompt."""
        page = self._call(Request("GET", f"/v1/prompts/{path_part(ref)}/shares"), m.PageShare)
        return page.data

    def update_share(self, ref: str, share_id: str, *, prefilled_variables: Variables) -> m.Share:
        request = Request(
            "PATCH", f"/v1/prompts/{path_part(ref)}/shares/{path_part(share_id)}",
            json={"prefilled_variables": dict(prefilled_variables)},
        )
        return self._call(request, m.Share)

    def revoke_share(self, ref: str, share_id: str) -> None:
        self._call_none(Request("DELETE", f"/v1/prompts/{path_part(ref)}/shares/{path_part(share_id)}"))

    def list_shares(self, *, prompt_id: Optional[str] = None) -> List[m.OwnedShare]:
        """Every share link of the caller (a session-only route)."""
        page = self._call(Request("GET", "/v1/shares", params={"prompt_id": prompt_id}), m.PageOwnedShare)
        return page.data

    def get_share(self, token: str) -> m.ResolvedShare:
        return self._call(Request("GET", f"/v1/shares/{path_part(token)}"), m.ResolvedShare)

    def compile_share(self, token: str, variables: Optional[Variables] = None) -> m.Compiled:
        request = Request("POST", f"/v1/shares/{path_part(token)}/compile", json=body(variables=dict(variables or {})))
        return self._call(request, m.Compiled)

    def share_page(self, token: str) -> str:
        """The HTML page of a share link."""
        return self._text(Request("GET", f"/share/{path_part(token)}"))

    def list_public_prompts(
        self, *, q: Optional[str] = None, tag: Optional[str] = None, author: Optional[str] = None, sort: Optional[str] = None
    ) -> Iterator[m.PublicPrompt]:
        """Every public prompt of the catalogue (numbered pages), page after page."""
        page_number = 1
        while True:
            params = {"q": q, "tag": tag, "author": author, "sort": sort, "page": page_number}
            page = self._call(Request("GET", "/v1/public/prompts", params=params), m.CataloguePage)
            for item in page.data:
                yield item
            if page_number >= page.total_pages:
                return
            page_number += 1

    def get_public_prompt(self, prompt_id: str) -> m.PublicPrompt:
        return self._call(Request("GET", f"/v1/public/prompts/{path_part(prompt_id)}"), m.PublicPrompt)

    def get_user(self, user_id: str) -> m.ProfilePage:
        """A user's public profile and public prompts."""
        return self._call(Request("GET", f"/v1/users/{path_part(user_id)}"), m.ProfilePage)

    def get_user_by_username(self, username: str) -> m.ProfilePage:
        return self._call(Request("GET", f"/v1/u/{path_part(username)}"), m.ProfilePage)

    # -- running -------------------------------------------------------------------------------------------

    def run(
        self,
        ref: str,
        variables: Optional[Variables] = None,
        *,
        query: Optional[str] = None,
        model: Optional[str] = None,
        temperature: Optional[float] = None,
        max_tokens: Optional[int] = None,
        label: Optional[str] = None,
        version: Optional[int] = None,
        idempotency_key: Optional[str] = None,
        timeout: Optional[float] = None,
    ) -> m.RunResult:
        """Compile a prompt and send it to its model; the output and its cost."""
        payload = body(
            variables=dict(variables) if variables else None, query=query, model=model, temperature=temperature,
            max_tokens=max_tokens, label=label, version=version,
        )
        request = Request("POST", f"/v1/prompts/{path_part(ref)}/run", json=payload, timeout=timeout, headers=_idempotency(idempotency_key))
        return self._call(request, m.RunResult, llm=True)

    def chat(
        self,
        model: str,
        messages: Sequence[Mapping[str, str]],
        *,
        temperature: Optional[float] = None,
        max_tokens: Optional[int] = None,
        idempotency_key: Optional[str] = None,
        timeout: Optional[float] = None,
    ) -> m.RunResult:
        """Send messages (`[{"role": "user", "content": "..."}]`) to a model."""
        payload = body(model=model, messages=[dict(message) for message in messages], temperature=temperature, max_tokens=max_tokens)
        request = Request("POST", "/v1/chat", json=payload, timeout=timeout, headers=_idempotency(idempotency_key))
        return self._call(request, m.RunResult, llm=True)

    def enhance(self, prompt: str, *, model: Optional[str] = None, timeout: Optional[float] = None) -> m.EnhanceResult:
        """An improved version of a prompt text, and the issues found in it."""
        request = Request("POST", "/v1/enhance", json=body(prompt=prompt, model=model), timeout=timeout)
        return self._call(request, m.EnhanceResult, llm=True)

    def count_tokens(self, prompt: str, model: str) -> m.TokenCount:
        """Tokens of a text for a model (or a family: openai, claude, gemini, deepseek)."""
        return self._call(Request("POST", "/v1/token-count", json={"prompt": prompt, "model": model}), m.TokenCount)

    def list_models(self) -> List[m.Model]:
        """The model catalogue: providers, context windows and prices."""
        return (self._call(Request("GET", "/v1/models"), m.PageModel)).data

    def list_runs(
        self, *, prompt_id: Optional[str] = None, source: Optional[str] = None, page_size: int = 100
    ) -> Iterator[m.Run]:
        """Every recorded run (newest first), page after page."""
        return self._pages("/v1/runs", {"prompt_id": prompt_id, "source": source, "limit": page_size}, m.Run)

    def get_run(self, run_id: str) -> m.Run:
        return self._call(Request("GET", f"/v1/runs/{path_part(run_id)}"), m.Run)

    def run_stats(
        self, *, prompt_id: Optional[str] = None, from_: Optional[str] = None, to: Optional[str] = None
    ) -> m.Stats:
        """Totals, by model and by day; `from_` and `to` are dates (YYYY-MM-DD, UTC)."""
        params = {"prompt_id": prompt_id, "from": from_, "to": to}
        return self._call(Request("GET", "/v1/runs/stats", params=params), m.Stats)

    # -- evaluation ----------------------------------------------------------------------------------------

    def evaluate(
        self,
        test_cases: Sequence[Mapping[str, Any]],
        *,
        prompt: Optional[str] = None,
        prompt_ref: Optional[str] = None,
        label: Optional[str] = None,
        version: Optional[int] = None,
        system_prompt: Optional[str] = None,
        model: Optional[str] = None,
        judge_model: Optional[str] = None,
        concurrency: Optional[int] = None,
        timeout: Optional[float] = None,
    ) -> m.Evaluation:
        """Run test cases against a template text (`prompt`) or a saved prompt (`prompt_ref`) and score them."""
        payload = body(
            test_cases=[dict(case) for case in test_cases], prompt=prompt, prompt_ref=prompt_ref, label=label,
            version=version, system_prompt=system_prompt, model=model, judge_model=judge_model, concurrency=concurrency,
        )
        return self._call(Request("POST", "/v1/evaluate", json=payload, timeout=timeout), m.Evaluation, llm=True)

    def create_suite(
        self, *, name: str, prompt_ref: str, test_cases: Sequence[Mapping[str, Any]], **fields: Any
    ) -> m.Suite:
        """A saved suite; `fields` are the rest of `SuiteCreate` (label, model, judge_model, schedule,
        schedule_timezone, run_on_publish, min_pass_rate)."""
        payload = body(name=name, prompt_ref=prompt_ref, test_cases=[dict(case) for case in test_cases], **fields)
        return self._call(Request("POST", "/v1/eval-suites", json=payload), m.Suite)

    def list_suites(self, *, page_size: int = 100) -> Iterator[m.SuiteSummary]:
        return self._pages("/v1/eval-suites", {"limit": page_size}, m.SuiteSummary)

    def get_suite(self, suite_id: str) -> m.Suite:
        return self._call(Request("GET", f"/v1/eval-suites/{path_part(suite_id)}"), m.Suite)

    def update_suite(self, suite_id: str, **fields: Any) -> m.Suite:
        """Change a suite: the fields of `SuiteUpdate` (a None value is not sent)."""
        return self._call(Request("PATCH", f"/v1/eval-suites/{path_part(suite_id)}", json=body(**fields)), m.Suite)

    def delete_suite(self, suite_id: str) -> None:
        self._call_none(Request("DELETE", f"/v1/eval-suites/{path_part(suite_id)}"))

    def start_suite_run(self, suite_id: str) -> m.EvalRun:
        """Queue a run of a suite (202): poll `get_eval_run` until its status is succeeded or failed."""
        return self._call(Request("POST", f"/v1/eval-suites/{path_part(suite_id)}/runs"), m.EvalRun)

    def list_suite_runs(self, suite_id: str, *, page_size: int = 100) -> Iterator[m.EvalRunOverview]:
        """A suite's runs, newest first: the pass-rate trend."""
        return self._pages(f"/v1/eval-suites/{path_part(suite_id)}/runs", {"limit": page_size}, m.EvalRunOverview)

    def get_eval_run(self, run_id: str, *, all_results: bool = True, results_limit: int = 100) -> m.EvalRun:
        """A suite run; its results are paged by the API (`results_limit` a page), and gathered here unless
        `all_results` is False (a poller that only wants the status asks for one page of 1)."""
        path = f"/v1/eval-runs/{path_part(run_id)}"
        run = self._call(Request("GET", path, params={"limit": results_limit}), m.EvalRun)
        results = list(run.results)
        cursor = run.next_cursor
        while all_results and cursor:
            page = self._call(Request("GET", path, params={"limit": 100, "cursor": cursor}), m.EvalRun)
            results.extend(page.results)
            cursor = page.next_cursor
        return run.model_copy(update={"results": results, "next_cursor": cursor}) if all_results else run

    # -- webhooks (session-only routes) --------------------------------------------------------------------

    def create_webhook(self, *, url: str, events: Sequence[str], description: Optional[str] = None) -> m.WebhookSecret:
        """A new webhook and its signing secret (shown once)."""
        payload = body(url=url, events=list(events), description=description)
        return self._call(Request("POST", "/v1/webhooks", json=payload), m.WebhookSecret)

    def list_webhooks(self) -> List[m.Webhook]:
        return (self._call(Request("GET", "/v1/webhooks"), m.PageWebhook)).data

    def get_webhook(self, webhook_id: str) -> m.Webhook:
        return self._call(Request("GET", f"/v1/webhooks/{path_part(webhook_id)}"), m.Webhook)

    def update_webhook(self, webhook_id: str, **fields: Any) -> m.Webhook:
        """Change url, events, description or enabled."""
        return self._call(Request("PATCH", f"/v1/webhooks/{path_part(webhook_id)}", json=body(**fields)), m.Webhook)

    def delete_webhook(self, webhook_id: str) -> None:
        self._call_none(Request("DELETE", f"/v1/webhooks/{path_part(webhook_id)}"))

    def rotate_webhook_secret(self, webhook_id: str) -> m.WebhookSecret:
        """A new secret; for 24 h deliveries are signed with the old one too."""
        return self._call(Request("POST", f"/v1/webhooks/{path_part(webhook_id)}/rotate-secret"), m.WebhookSecret)

    def test_webhook(self, webhook_id: str) -> m.Delivery:
        """Send a `webhook.test` event now."""
        return self._call(Request("POST", f"/v1/webhooks/{path_part(webhook_id)}/test"), m.Delivery)

    def list_deliveries(
        self, webhook_id: str, *, status: Optional[str] = None, page_size: int = 100
    ) -> Iterator[m.Delivery]:
        params = {"status": status, "limit": page_size}
        return self._pages(f"/v1/webhooks/{path_part(webhook_id)}/deliveries", params, m.Delivery)

    def retry_delivery(self, webhook_id: str, delivery_id: str) -> m.Delivery:
        path = f"/v1/webhooks/{path_part(webhook_id)}/deliveries/{path_part(delivery_id)}/retry"
        return self._call(Request("POST", path), m.Delivery)

    # -- accounts, keys and provider keys ------------------------------------------------------------------

    def register(self, *, email: str, password: str, name: Optional[str] = None) -> m.Session:
        payload = body(email=email, password=password, name=name)
        return self._call(Request("POST", "/v1/auth/register", json=payload), m.Session)

    def login(self, *, email: str, password: str) -> m.Session:
        """A session (its `session_token` works as this client's `api_key` on every route)."""
        return self._call(Request("POST", "/v1/auth/login", json={"email": email, "password": password}), m.Session)

    def logout(self) -> None:
        self._call_none(Request("POST", "/v1/auth/logout"))

    def me(self) -> m.User:
        return self._call(Request("GET", "/v1/auth/me"), m.User)

    def get_profile(self) -> m.Profile:
        return self._call(Request("GET", "/v1/profile"), m.Profile)

    def update_profile(self, **fields: Any) -> m.Profile:
        """Change display_name, username, bio or avatar_url."""
        return self._call(Request("PATCH", "/v1/profile", json=body(**fields)), m.Profile)

    def create_key(self, *, name: str, **fields: Any) -> m.CreatedApiKey:
        """A new API key (`raw_key` is shown once); `fields`: environment, access, expires_in_days."""
        return self._call(Request("POST", "/v1/keys", json=body(name=name, **fields)), m.CreatedApiKey)

    def list_keys(self) -> List[m.ApiKey]:
        return (self._call(Request("GET", "/v1/keys"), m.PageApiKey)).data

    def revoke_key(self, key_id: str) -> None:
        self._call_none(Request("DELETE", f"/v1/keys/{path_part(key_id)}"))

    def list_provider_keys(self) -> List[m.ProviderKey]:
        return (self._call(Request("GET", "/v1/provider-keys"), m.PageProviderKey)).data

    def set_provider_key(self, provider: str, *, api_key: str, base_url: Optional[str] = None) -> m.ProviderKey:
        """Store your own key for a provider (openai, anthropic, deepseek, gemini, openai_compatible)."""
        request = Request("PUT", f"/v1/provider-keys/{path_part(provider)}", json=body(api_key=api_key, base_url=base_url))
        return self._call(request, m.ProviderKey)

    def delete_provider_key(self, provider: str) -> None:
        self._call_none(Request("DELETE", f"/v1/provider-keys/{path_part(provider)}"))

    # -- service -------------------------------------------------------------------------------------------

    def health(self) -> m.Health:
        return self._call(Request("GET", "/v1/health"), m.Health)

    def openapi(self) -> Dict[str, Any]:
        """The API's OpenAPI 3.1 document."""
        return (self._send(Request("GET", "/v1/openapi.json"))).json()  # type: ignore[no-any-return]

    def llms_txt(self) -> str:
        return self._text(Request("GET", "/llms.txt"))

    def docs_page(self) -> str:
        """The HTML of the interactive API docs."""
        return self._text(Request("GET", "/docs"))


def _idempotency(key: Optional[str]) -> Dict[str, str]:
    return {"Idempotency-Key": key} if key else {}
