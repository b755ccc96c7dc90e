"""The /docs page: a self-contained, dependency-free reader of /v1/openapi.json with a "try it" form."""

DOCS_HTML = r"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>promptbank API</title>
<style>
  :root { --fg:#1b1f24; --muted:#57606a; --line:#d0d7de; --bg:#f6f8fa; --accent:#0b5fff; }
  body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); margin: 0; }
  header { padding: 1.5rem 2rem; border-bottom: 1px solid var(--line); }
  main { max-width: 980px; margin: 0 auto; padding: 1rem 2rem 4rem; }
  h1 { margin: 0; font-size: 1.5rem; } p.lead { color: var(--muted); margin: .25rem 0 0; }
  label { display:block; font-weight:600; margin:.5rem 0 .25rem; }
  input, textarea { width:100%; box-sizing:border-box; font: 14px ui-monospace, monospace; padding:.4rem; border:1px solid var(--line); border-radius:6px; }
  details { border:1px solid var(--line); border-radius:8px; margin:.5rem 0; background:#fff; }
  summary { cursor:pointer; padding:.6rem .8rem; display:flex; gap:.75rem; align-items:center; }
  .m { font: 700 12px ui-monospace, monospace; padding:.15rem .45rem; border-radius:4px; color:#fff; min-width:3.5rem; text-align:center; }
  .get{background:#1f7a3a}.post{background:#0b5fff}.put{background:#8250df}.patch{background:#9a6700}.delete{background:#cf222e}
  .path { font-family: ui-monospace, monospace; } .sum { color: var(--muted); }
  .body { padding: 0 1rem 1rem; } pre { background: var(--bg); padding:.75rem; border-radius:6px; overflow:auto; font-size:13px; }
  button { background: var(--accent); color:#fff; border:0; border-radius:6px; padding:.45rem .9rem; font-weight:600; cursor:pointer; }
  .lock { font-size: 12px; color: var(--muted); }
</style>
</head>
<body>
<header><h1>promptbank API</h1><p class="lead">Every route, from <a href="v1/openapi.json" data-api-path="/v1/openapi.json">/v1/openapi.json</a>.
Plain-text reference for agents: <a href="llms.txt" data-api-path="/llms.txt">/llms.txt</a>.</p></header>
<main>
  <label for="token">Credential (API key or session token, sent as <code>Authorization: Bearer</code>)</label>
  <input id="token" type="password" autocomplete="off" placeholder="pb_live_… or pbs_…">
  <div id="ops" aria-live="polite">Loading…</div>
</main>
<script>
"use strict";
// The API's root is where this page is: `/` locally, the stage (`/v1/`) on an execute-api URL, or a custom
// domain's base path. Every route path in the document is resolved against it, never against the host's root.
const apiRoot = new URL(location.pathname.replace(/\/docs\/?$/, "/"), location.origin);
const api = path => new URL(path.replace(/^\/+/, ""), apiRoot).href;
for (const link of document.querySelectorAll("a[data-api-path]")) link.href = api(link.dataset.apiPath);
const el = (tag, attrs = {}, ...kids) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const kid of kids) node.append(kid);
  return node;
};
function schemaOf(doc, ref) {
  return ref && ref.$ref ? doc.components.schemas[ref.$ref.split("/").pop()] : ref;
}
function operation(doc, path, method, op) {
  const params = op.parameters || [];
  const body = op.requestBody && schemaOf(doc, op.requestBody.content["application/json"].schema);
  const inputs = params.map(p => {
    const input = el("input", {"data-in": p.in, "data-name": p.name, "aria-label": p.name});
    return el("div", {}, el("label", {}, `${p.name} (${p.in}${p.required ? ", required" : ""})`), input);
  });
  const bodyBox = el("textarea", {rows: "6", "aria-label": "request body"});
  if (body) bodyBox.value = JSON.stringify(Object.fromEntries(Object.keys(body.properties || {}).map(k => [k, null])), null, 2);
  const out = el("pre", {}, "");
  const send = el("button", {type: "button"}, "Send");
  send.addEventListener("click", async () => {
    let url = path, query = new URLSearchParams();
    for (const i of inputs.map(d => d.querySelector("input"))) {
      if (!i.value) continue;
      if (i.dataset.in === "path") url = url.replace(`{${i.dataset.name}}`, encodeURIComponent(i.value));
      else if (i.dataset.in === "query") query.set(i.dataset.name, i.value);
    }
    const headers = {"Content-Type": "application/json"};
    const token = document.getElementById("token").value.trim();
    if (token) headers.Authorization = `Bearer ${token}`;
    const res = await fetch(api(url) + (query.toString() ? `?${query}` : ""), {method: method.toUpperCase(), headers,
      body: body ? bodyBox.value : undefined});
    out.textContent = `${res.status} ${res.statusText}\n\n${await res.text()}`;
  });
  const detail = el("div", {class: "body"},
    ...(op.security && op.security.length ? [el("p", {class: "lock"}, "Needs a credential")] : []),
    ...inputs,
    ...(body ? [el("label", {}, "Body"), bodyBox, el("pre", {}, JSON.stringify(body, null, 2))] : []),
    send, out);
  return el("details", {}, el("summary", {}, el("span", {class: `m ${method}`}, method.toUpperCase()),
    el("span", {class: "path"}, path), el("span", {class: "sum"}, op.summary || "")), detail);
}
fetch(api("/v1/openapi.json")).then(r => r.json()).then(doc => {
  const box = document.getElementById("ops");
  box.textContent = "";
  for (const [path, ops] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(ops)) box.append(operation(doc, path, method, op));
}).catch(err => { document.getElementById("ops").textContent = `Could not load the API document: ${err}`; });
</script>
</body>
</html>
"""
