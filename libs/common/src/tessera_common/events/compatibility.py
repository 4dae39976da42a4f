"""Whether a new JSON Schema of an event still serves every consumer of the old one.

Events of both versions meet consumers of both versions: old events stay in Kafka and
are replayed to new code, and old consumers keep running while a producer rolls out.
So a change breaks when the new schema refuses an event the old one accepted (new code
reading old events) or accepts one the old refused (old code reading new events). What
passes: a new optional field (contracts ignore unknown fields), a field that stops being
required, and changes to annotations (title, description, default).

A new enum value breaks too: contracts parse enum fields strictly, so a consumer that
does not know the value cannot parse the event and dead-letters it. Add the value to the
consumers first, then bump the contract's `schema_version`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

Schema = Mapping[str, Any]

CONSTRAINTS = (
    "minLength", "maxLength", "pattern", "minimum", "maximum", "exclusiveMinimum",
    "exclusiveMaximum", "multipleOf", "minItems", "maxItems", "uniqueItems",
)  # fmt: skip
MAX_DEPTH = 64  # a recursive schema would otherwise never end


class BreakKind(StrEnum):
    FIELD_REMOVED = "field removed"
    FIELD_REQUIRED = "field required"
    TYPE_NARROWED = "type narrowed"
    TYPE_WIDENED = "type widened"
    ENUM_VALUE_REMOVED = "enum value removed"
    ENUM_VALUE_ADDED = "enum value added"
    CONSTRAINT_CHANGED = "constraint changed"


@dataclass(frozen=True)
class Break:
    """One incompatibility, at a field path such as `lines[].amount`."""

    path: str
    kind: BreakKind
    detail: str

    def __str__(self) -> str:
        return f"{self.path or '(root)'}: {self.kind}: {self.detail}"


def breaking_changes(old: Schema, new: Schema) -> list[Break]:
    """Every way `new` breaks a producer or consumer of `old`; empty when compatible."""
    return _Comparison(old, new).schemas(old, new, "")


class _Comparison:
    def __init__(self, old_root: Schema, new_root: Schema) -> None:
        self._roots = (old_root, new_root)

    def schemas(self, old: Schema, new: Schema, path: str) -> list[Break]:
        if path.count(".") + path.count("[]") > MAX_DEPTH:
            raise ValueError(f"{path}: nested deeper than {MAX_DEPTH} levels (recursive?)")
        olds, news = _by_kind(old, self._roots[0]), _by_kind(new, self._roots[1])
        found: list[Break] = []
        for kind in olds.keys() - news.keys():
            if not any(_covers(other, kind) for other in news):
                found.append(Break(path, BreakKind.TYPE_NARROWED, f"no longer accepts {kind}"))
        for kind in news.keys() - olds.keys():
            if not any(_covers(other, kind) for other in olds):
                found.append(Break(path, BreakKind.TYPE_WIDENED, f"now also accepts {kind}"))
        for kind in olds.keys() & news.keys():
            if len(olds[kind]) == len(news[kind]) == 1:
                found += self._same_kind(kind, olds[kind][0], news[kind][0], path)
            elif _canonical(olds[kind]) != _canonical(news[kind]):
                detail = f"its {kind} alternatives changed"
                found.append(Break(path, BreakKind.TYPE_NARROWED, detail))
        return found

    def _same_kind(self, kind: str, old: Schema, new: Schema, path: str) -> list[Break]:
        found = _enum_changes(old, new, path) + _format_and_constraint_changes(old, new, path)
        if kind == "object":
            found += self._objects(old, new, path)
        if kind == "array":
            found += self.schemas(old.get("items", {}), new.get("items", {}), f"{path}[]")
        return found

    def _objects(self, old: Schema, new: Schema, path: str) -> list[Break]:
        old_fields, new_fields = old.get("properties", {}), new.get("properties", {})
        was_required, required = set(old.get("required", ())), set(new.get("required", ()))
        found: list[Break] = []
        for name in old_fields:
            where = f"{path}.{name}" if path else name
            if name not in new_fields:
                found.append(Break(where, BreakKind.FIELD_REMOVED, "consumers read it"))
            else:
                found += self.schemas(old_fields[name], new_fields[name], where)
        for name in sorted(required - was_required):
            where = f"{path}.{name}" if path else name
            detail = "was optional" if name in old_fields else "new and required"
            found.append(Break(where, BreakKind.FIELD_REQUIRED, detail))
        return found + self._extra_fields(old, new, path)

    def _extra_fields(self, old: Schema, new: Schema, path: str) -> list[Break]:
        """`additionalProperties`: absent or true accepts any extra field, false none."""
        before, after = _extra(old), _extra(new)
        if before is not None and after is not None:
            return self.schemas(before, after, f"{path}.*" if path else "*")
        if after is None and before is not None:
            return [Break(path, BreakKind.TYPE_NARROWED, "no longer accepts extra fields")]
        if before is None and after is not None:
            return [Break(path, BreakKind.TYPE_WIDENED, "now accepts extra fields")]
        return []


def _extra(schema: Schema) -> Schema | None:
    """The schema of extra fields: {} (anything) when absent or true, None when refused."""
    extra = schema.get("additionalProperties", True)
    if extra is False:
        return None
    return extra if isinstance(extra, Mapping) else {}


def _by_kind(schema: Schema, root: Schema) -> dict[str, list[Schema]]:
    """The alternatives a schema accepts, grouped by JSON type (`any` when unconstrained)."""
    grouped: dict[str, list[Schema]] = {}
    for alternative in _alternatives(schema, root):
        grouped.setdefault(_kind(alternative), []).append(alternative)
    return grouped


def _alternatives(schema: Schema, root: Schema) -> list[Schema]:
    schema = resolve(schema, root)
    for union in ("anyOf", "oneOf"):
        if union in schema:
            return [alt for branch in schema[union] for alt in _alternatives(branch, root)]
    if "allOf" in schema and len(schema["allOf"]) == 1:
        rest = {key: value for key, value in schema.items() if key != "allOf"}
        return _alternatives({**resolve(schema["allOf"][0], root), **rest}, root)
    if isinstance(schema.get("type"), list):
        return [{**schema, "type": kind} for kind in schema["type"]]
    return [schema]


def resolve(schema: Schema, root: Schema) -> Schema:
    """Follow local `$ref`s (`#/$defs/Plan`); sibling keywords win over the target's."""
    while "$ref" in schema:
        target: Any = root
        for part in str(schema["$ref"]).removeprefix("#/").split("/"):
            target = target[part]
        schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
    return schema


def _kind(schema: Schema) -> str:
    if isinstance(schema.get("type"), str):
        return str(schema["type"])
    values = _enum(schema)
    if values:
        return _json_type(next(iter(values)))
    if "properties" in schema:
        return "object"
    return "any"


def _json_type(value_json: str) -> str:
    value = json.loads(value_json)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    return {float: "number", str: "string", list: "array"}.get(type(value), "object")


def _covers(wider: str, kind: str) -> bool:
    return wider in (kind, "any") or (wider, kind) == ("number", "integer")


def _enum(schema: Schema) -> set[str] | None:
    """The allowed values (as JSON text, to compare any type), or None when unrestricted."""
    if "const" in schema:
        return {json.dumps(schema["const"])}
    if "enum" in schema:
        return {json.dumps(value) for value in schema["enum"]}
    return None


def _enum_changes(old: Schema, new: Schema, path: str) -> list[Break]:
    before, after = _enum(old), _enum(new)
    if before is None and after is None:
        return []
    if before is None:
        return [Break(path, BreakKind.TYPE_NARROWED, f"now restricted to {sorted(after or ())}")]
    if after is None:
        return [Break(path, BreakKind.TYPE_WIDENED, f"no longer restricted to {sorted(before)}")]
    return [
        Break(path, BreakKind.ENUM_VALUE_REMOVED, value) for value in sorted(before - after)
    ] + [Break(path, BreakKind.ENUM_VALUE_ADDED, value) for value in sorted(after - before)]


def _format_and_constraint_changes(old: Schema, new: Schema, path: str) -> list[Break]:
    found: list[Break] = []
    before, after = old.get("format"), new.get("format")
    if before != after:
        kind = BreakKind.TYPE_WIDENED if after is None else BreakKind.TYPE_NARROWED
        found.append(Break(path, kind, f"format {before} -> {after}"))
    for keyword in CONSTRAINTS:
        if old.get(keyword) != new.get(keyword):
            detail = f"{keyword} {old.get(keyword)} -> {new.get(keyword)}"
            found.append(Break(path, BreakKind.CONSTRAINT_CHANGED, detail))
    return found


def _canonical(schemas: list[Schema]) -> list[str]:
    return sorted(json.dumps(schema, sort_keys=True) for schema in schemas)
