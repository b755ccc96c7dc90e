"""The share page `GET /share/{token}`: one self-contained HTML document (inline CSS and JS, no build or CDN).

Everything a prompt's owner wrote (name, description, variable names, hints, defaults, values, the compiled
text) reaches the page only through `html.escape` into text or quoted attributes, and the script only ever
writes `textContent`; the Content-Security-Policy allows nothing but this response's own nonce'd script and
style and `fetch` to the same origin.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from html import escape
from typing import Any

from promptbank.errors import Gone, NotFound, ValidationFailed
from promptbank.sharing.service import ShareService, resolved_view

HTML = "text/html; charset=utf-8"

# Input types per variable type (API.md §3); list and textarea are multi-line.
INPUT_TYPES = {"text": "text", "number": "number", "email": "email", "phone": "tel"}
MULTILINE = {"textarea", "list"}
HINTS = {"list": "Separate items with commas.", "number": "A number.", "email": "An email address.",
         "phone": "A phone number."}


def readable_time(value: str) -> str:
    """`2026-11-25T20:04:20.335Z` -> `25 Nov 2026, 20:04 UTC` (the raw value stays in the datetime attribute)."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    return f"{moment.day} {moment:%b %Y, %H:%M} UTC"


def new_nonce() -> str:
    return secrets.token_urlsafe(18)


def security_headers(nonce: str) -> dict[str, str]:
    csp = "; ".join(
        [
            "default-src 'none'",
            f"script-src 'nonce-{nonce}'",
            f"style-src 'nonce-{nonce}'",
            "connect-src 'self'",
            "img-src 'self' data:",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        ]
    )
    return {
        "Content-Security-Policy": csp,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY",
        "Cache-Control": "no-store",
    }


def _e(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


STYLE = """
:root{color-scheme:light dark;--bg:#f4f5f8;--card:#fff;--ink:#17181c;--muted:#5b6070;--line:#d9dce3;
--accent:#4f46e5;--accent-ink:#fff;--code:#f7f7fb;--err:#b42318;--ok:#067647;--focus:#a5b4fc}
@media (prefers-color-scheme:dark){:root{--bg:#111318;--card:#1a1d24;--ink:#eceef3;--muted:#a3a9b8;
--line:#2d323d;--accent:#818cf8;--accent-ink:#0b0c10;--code:#13161c;--err:#fda29b;--ok:#75e0a7;--focus:#6366f1}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:16px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,
"Helvetica Neue",Arial,sans-serif}
main{max-width:46rem;margin:2.5rem auto;padding:0 1rem}
.card{background:var(--card);border:1px solid var(--line);border-radius:14px;padding:1.75rem;
box-shadow:0 1px 2px rgba(16,24,40,.06),0 8px 24px rgba(16,24,40,.06)}
.eyebrow{margin:0 0 .35rem;color:var(--muted);font-size:.8rem;letter-spacing:.08em;text-transform:uppercase}
h1{margin:0;font-size:1.6rem;line-height:1.25;overflow-wrap:anywhere}
h2{margin:0;font-size:1.05rem}
.description{margin:.6rem 0 0;color:var(--muted);white-space:pre-line;overflow-wrap:anywhere}
.expiry{margin:.75rem 0 0;font-size:.85rem;color:var(--muted)}
fieldset{border:0;margin:1.5rem 0 0;padding:0}
legend{font-weight:600;margin-bottom:.75rem;padding:0}
.field{margin-bottom:1rem}
label{display:block;font-weight:600;font-size:.95rem;overflow-wrap:anywhere}
.req{margin-left:.15rem;font-weight:500;font-size:.75rem;color:var(--muted)}
.hint{margin:.1rem 0 .35rem;font-size:.85rem;color:var(--muted);overflow-wrap:anywhere}
input,textarea{width:100%;padding:.6rem .7rem;border:1px solid var(--line);border-radius:9px;
background:var(--card);color:var(--ink);font:inherit}
textarea{min-height:6rem;resize:vertical}
input:focus-visible,textarea:focus-visible,button:focus-visible,pre:focus-visible{
outline:3px solid var(--focus);outline-offset:2px}
[aria-invalid=true]{border-color:var(--err)}
.field-error{margin:.3rem 0 0;font-size:.85rem;color:var(--err)}
.field-error:empty{display:none}
.result{margin-top:1.75rem}
.result-head{display:flex;align-items:center;justify-content:space-between;gap:1rem;margin-bottom:.5rem}
button{border:0;border-radius:9px;padding:.55rem 1.1rem;background:var(--accent);color:var(--accent-ink);
font:inherit;font-weight:600;cursor:pointer}
button:hover{filter:brightness(1.08)}
pre{margin:0;padding:1rem;background:var(--code);border:1px solid var(--line);border-radius:10px;
white-space:pre-wrap;overflow-wrap:anywhere;
font:14px/1.6 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;max-height:28rem;overflow:auto}
pre[aria-busy=true]{opacity:.65}
.system{margin-bottom:.75rem}
.system summary{cursor:pointer;color:var(--muted);font-size:.9rem;margin-bottom:.4rem}
#status{min-height:1.4rem;margin:.5rem 0 0;font-size:.9rem}
#status.error{color:var(--err)}#status.ok{color:var(--ok)}
footer{margin-top:1rem;text-align:center;font-size:.8rem;color:var(--muted)}
.notice h1{font-size:1.4rem}.notice p{color:var(--muted)}
@media (prefers-reduced-motion:reduce){*{transition:none!important}}
"""

SCRIPT = """
(function () {
  "use strict";
  var form = document.getElementById("variables");
  var out = document.getElementById("compiled");
  var system = document.getElementById("compiled-system");
  var status = document.getElementById("status");
  var copy = document.getElementById("copy");
  var url = form.getAttribute("data-compile-url");
  var fields = Array.prototype.slice.call(form.querySelectorAll("[data-variable]"));
  var timer = null, seq = 0;

  function say(text, kind) { status.textContent = text; status.className = kind || ""; }

  function values() {
    var v = {};
    fields.forEach(function (el) {
      v[el.getAttribute("data-variable")] = el.value === "" ? null : el.value;
    });
    return v;
  }

  function markInvalid(bad) {
    fields.forEach(function (el) {
      var key = el.getAttribute("data-variable");
      var msg = document.getElementById(el.id + "-error");
      if (Object.prototype.hasOwnProperty.call(bad, key)) {
        el.setAttribute("aria-invalid", "true");
        msg.textContent = bad[key];
      } else {
        el.removeAttribute("aria-invalid");
        msg.textContent = "";
      }
    });
  }

  function compile() {
    var mine = ++seq;
    out.setAttribute("aria-busy", "true");
    fetch(url, {
      method: "POST",
      headers: {"Content-Type": "application/json"},
      body: JSON.stringify({variables: values()}),
      credentials: "omit",
      cache: "no-store"
    }).then(function (r) {
      return r.json().then(function (body) { return {ok: r.ok, status: r.status, body: body}; });
    }).then(function (res) {
      if (mine !== seq) { return; }
      out.removeAttribute("aria-busy");
      if (res.ok) {
        out.textContent = res.body.compiled_prompt;
        if (system) { system.textContent = res.body.compiled_system_prompt || ""; }
        markInvalid({});
        say("");
        return;
      }
      if (res.status === 410) { say("This link has expired.", "error"); return; }
      if (res.status === 404) { say("This link no longer works.", "error"); return; }
      var err = (res.body && res.body.error) || {};
      var bad = {};
      (err.details || []).forEach(function (d) {
        if (d.field && d.field.indexOf("variables.") === 0) { bad[d.field.slice(10)] = d.message; }
      });
      markInvalid(bad);
      say(err.message || "The prompt could not be updated.", "error");
    }).catch(function () {
      if (mine === seq) {
        out.removeAttribute("aria-busy");
        say("Could not reach the server. Check your connection and try again.", "error");
      }
    });
  }

  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var done = false;
    try { done = document.execCommand("copy"); } catch (e) { done = false; }
    document.body.removeChild(area);
    return done;
  }

  function copied(ok) {
    if (ok) { say("Copied to the clipboard.", "ok"); }
    else { say("Copy failed: select the text and copy it by hand.", "error"); }
  }

  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(compile, 250);
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    clearTimeout(timer);
    compile();
  });
  copy.addEventListener("click", function () {
    var text = out.textContent;
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { copied(true); }, function () {
        copied(fallbackCopy(text));
      });
    } else {
      copied(fallbackCopy(text));
    }
  });
})();
"""


def _field(index: int, variable: dict[str, Any], value: str | None) -> str:
    key = variable["key"]
    typ = variable.get("type") or "text"
    ident = f"var-{index}"
    hint = " ".join(part for part in (variable.get("description"), HINTS.get(typ)) if part)
    described = [f"{ident}-error"]
    hint_html = ""
    if hint:
        described.insert(0, f"{ident}-hint")
        hint_html = f'<p class="hint" id="{ident}-hint">{_e(hint)}</p>'
    default = variable.get("default_value")
    common = (
        f'id="{ident}" name="{_e(key)}" data-variable="{_e(key)}" '
        f'maxlength="{int(variable.get("max_length") or 4000)}" '
        f'aria-describedby="{" ".join(described)}"'
        + (f' placeholder="{_e(default)}"' if default else "")
    )
    if typ in MULTILINE:
        control = f'<textarea {common} rows="4">{_e(value)}</textarea>'
    else:
        extra = ' step="any" inputmode="decimal"' if typ == "number" else ""
        control = f'<input {common} type="{INPUT_TYPES.get(typ, "text")}"{extra} value="{_e(value)}">'
    required = ' <span class="req">(required)</span>' if variable.get("required") else ""
    return (
        f'<div class="field"><label for="{ident}">{_e(key)}{required}</label>{hint_html}{control}'
        f'<p class="field-error" id="{ident}-error"></p></div>'
    )


def _document(title: str, body: str, nonce: str, script: bool) -> str:
    script_html = f'<script nonce="{nonce}">{SCRIPT}</script>' if script else ""
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="robots" content="noindex">'
        '<link rel="icon" href="data:,">'  # no favicon request (it would only be a 404)
        f"<title>{_e(title)}</title><style nonce=\"{nonce}\">{STYLE}</style></head>"
        f"<body><main>{body}<footer>Shared with promptbank</footer></main>{script_html}</body></html>"
    )


def share_page(
    *,
    token: str,
    prompt: dict[str, Any],
    prefilled: dict[str, str],
    expires_at: str | None,
    compiled: dict[str, Any] | None,
    problem: str | None,
    nonce: str,
) -> str:
    """The page for a live share: prompt name and description, a field per variable, the compiled text."""
    variables = prompt.get("variables") or []
    fields = "".join(_field(i, v, prefilled.get(v["key"])) for i, v in enumerate(variables))
    if not fields:
        fields = '<p class="hint">This prompt has no variables: copy it as it is.</p>'
    description = ""
    if prompt.get("description"):
        description = f'<p class="description">{_e(prompt["description"])}</p>'
    expiry = ""
    if expires_at:
        when = f'<time datetime="{_e(expires_at)}">{_e(readable_time(expires_at))}</time>'
        expiry = f'<p class="expiry">This link expires on {when}.</p>'
    text = compiled["compiled_prompt"] if compiled else prompt["content"]
    system_text = compiled.get("compiled_system_prompt") if compiled else None
    system = (
        '<details class="system"><summary>System prompt</summary>'
        f'<pre id="compiled-system" tabindex="0">{_e(system_text)}</pre></details>'
        if system_text
        else ""
    )
    status = f'<p id="status" role="status" class="error">{_e(problem)}</p>' if problem else \
        '<p id="status" role="status"></p>'
    body = (
        '<article class="card" aria-labelledby="prompt-name">'
        f'<header><p class="eyebrow">Shared prompt</p><h1 id="prompt-name">{_e(prompt["name"])}</h1>'
        f"{description}{expiry}</header>"
        f'<form id="variables" data-compile-url="../v1/shares/{_e(token)}/compile" novalidate>'
        f"<fieldset><legend>Fill in the blanks</legend>{fields}</fieldset></form>"
        '<section class="result" aria-labelledby="result-title">'
        '<div class="result-head"><h2 id="result-title">Your prompt</h2>'
        '<button type="button" id="copy">Copy</button></div>'
        f'{system}<pre id="compiled" tabindex="0" aria-label="Compiled prompt">{_e(text)}</pre>{status}'
        "<noscript><p>Turn on JavaScript to see the prompt update as you type.</p></noscript>"
        "</section></article>"
    )
    return _document(f"{prompt['name']} · promptbank", body, nonce, script=True)


def notice_page(title: str, message: str, nonce: str) -> str:
    """A friendly page for a link that cannot be used (expired, revoked or unknown)."""
    body = f'<article class="card notice"><h1>{_e(title)}</h1><p>{_e(message)}</p></article>'
    return _document(f"{title} · promptbank", body, nonce, script=False)


def render(service: ShareService, token: str) -> tuple[int, str, dict[str, str]]:
    """(status, HTML, headers) of `GET /share/{token}`: the page, or a notice with the API's status."""
    nonce = new_nonce()
    headers = {"Content-Type": HTML, **security_headers(nonce)}
    try:
        resolved = service.resolve(token)
    except Gone:
        message = "Whoever shared it can send you a new one."
        return 410, notice_page("This share link has expired", message, nonce), headers
    except NotFound:
        message = "It may have been revoked, or the address is incomplete. Ask the sender for a new one."
        return 404, notice_page("This share link doesn't work", message, nonce), headers
    view = resolved_view(resolved)
    compiled: dict[str, Any] | None = None
    problem = None
    try:
        compiled = service.compile_resolved(resolved, {})
    except ValidationFailed as err:  # e.g. a prefilled value the current version no longer accepts
        problem = err.message
    page = share_page(
        token=token,
        prompt=view.prompt.model_dump(),
        prefilled=view.prefilled_variables,
        expires_at=view.expires_at,
        compiled=compiled,
        problem=problem,
        nonce=nonce,
    )
    return 200, page, headers
