"""The public API's OpenAPI: the upstreams' documents merged, routed operations only."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from gateway.routes import Access, Route

_REF = "#/components/schemas/"


def aggregate(documents: Mapping[str, dict[str, Any]], routes: Iterable[Route]) -> dict[str, Any]:
    """One document with every routed operation of every pool's document, and its schemas.

    A schema name two upstreams define differently is qualified with the pool's name.
    """
    paths: dict[str, dict[str, Any]] = {}
    schemas: dict[str, Any] = {}
    by_pool: dict[str, list[Route]] = {}
    for route in routes:
        by_pool.setdefault(route.pool, []).append(route)
    for pool, pool_routes in sorted(by_pool.items()):
        document = _qualified(documents[pool], pool, schemas)
        schemas.update(document.get("components", {}).get("schemas", {}))
        for route in pool_routes:
            operation = document["paths"][route.template][route.method.lower()]
            if route.access is not Access.PUBLIC:
                operation = {**operation, "security": [{"bearer": []}]}
            paths.setdefault(route.template, {})[route.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "Tessera API", "version": "1"},
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


def _qualified(document: dict[str, Any], pool: str, known: dict[str, Any]) -> dict[str, Any]:
    """The document with each schema that clashes with a known one renamed `<pool>_<name>`."""
    text = json.dumps(document)
    for name, schema in document.get("components", {}).get("schemas", {}).items():
        if name in known and known[name] != schema:
            text = text.replace(f'"{_REF}{name}"', f'"{_REF}{pool}_{name}"')
    renamed: dict[str, Any] = json.loads(text)
    schemas = renamed.get("components", {}).get("schemas", {})
    for name in list(schemas):
        if name in known and known[name] != document["components"]["schemas"][name]:
            schemas[f"{pool}_{name}"] = schemas.pop(name)
    return renamed


DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Tessera API</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem}
details{border:1px solid #ddd;border-radius:6px;margin:.4rem 0;padding:.4rem .8rem}
summary{cursor:pointer}code.m{display:inline-block;width:4.5rem;font-weight:bold}
pre{background:#f6f8fa;padding:.6rem;overflow:auto;font-size:13px}
</style></head><body>
<h1>Tessera API</h1>
<p>Every public operation, from <a href="/openapi.json">/openapi.json</a>.
Send <code>Authorization: Bearer &lt;key&gt;</code> where a lock is shown.</p>
<div id="ops">loading…</div>
<script>
fetch("/openapi.json").then(r => r.json()).then(spec => {
  const root = document.getElementById("ops"); root.textContent = "";
  for (const [path, ops] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const d = document.createElement("details");
      const s = document.createElement("summary");
      const m = document.createElement("code"); m.className = "m";
      m.textContent = method.toUpperCase();
      s.append(m, " ", path, op.security ? " \\u{1F512}" : "", " — ", op.summary || "");
      const p = document.createElement("p"); p.textContent = op.description || "";
      const pre = document.createElement("pre");
      pre.textContent = JSON.stringify(
        {parameters: op.parameters, requestBody: op.requestBody, responses: op.responses},
        null, 2);
      d.append(s, p, pre); root.append(d);
    }
  }
});
</script></body></html>
"""
