"""Consumer-driven contracts: the events and fields each consumer relies on.

A consumer declares `CONSUMES`, event type -> {field path: type}, next to its code. A path
names a payload field (`tenant_id`) or a nested one (`lines[].amount`: that field of every
element of the list). Provider tests drive the producers' real code and check with `unmet`
that every declared field is emitted with its type; `offered` tells what a schema offers.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

from tessera_common.events.compatibility import Schema, resolve

FieldType = Literal["string", "integer", "number", "boolean", "uuid", "date-time"]
Consumes = Mapping[str, Mapping[str, FieldType]]


def unmet(payload: Mapping[str, Any], fields: Mapping[str, FieldType]) -> list[str]:
    """What a JSON payload lacks of the declared fields: missing ones and other types."""
    found: list[str] = []
    for path, expected in fields.items():
        for where, value in _values(payload, path.split("."), ""):
            if value is _MISSING:
                found.append(f"{where}: missing")
            elif not _is(expected, value):
                found.append(f"{where}: {value!r} is not {expected}")
    return found


def offered(schema: Schema, root: Schema | None = None, prefix: str = "") -> dict[str, FieldType]:
    """Every field path of a JSON Schema with a single type, and that type."""
    root = root if root is not None else schema
    schema = resolve(schema, root)
    kind = schema.get("type")
    if kind == "object":
        paths: dict[str, FieldType] = {}
        for name, field in schema.get("properties", {}).items():
            paths |= offered(field, root, f"{prefix}.{name}" if prefix else name)
        return paths
    if kind == "array":
        return offered(schema.get("items", {}), root, f"{prefix}[]")
    typed = _FIELD_TYPES.get((kind, schema.get("format")))
    return {prefix: typed} if typed is not None else {}


_MISSING = object()

_FIELD_TYPES: dict[tuple[object, object], FieldType] = {
    ("string", None): "string",
    ("string", "uuid"): "uuid",
    ("string", "date-time"): "date-time",
    ("integer", None): "integer",
    ("number", None): "number",
    ("boolean", None): "boolean",
}


def _values(node: Any, parts: list[str], where: str) -> list[tuple[str, Any]]:
    """(location, value) of every value at a path; `_MISSING` where a step is absent."""
    if not parts:
        return [(where, node)]
    head, rest = parts[0], parts[1:]
    name, is_list = head.removesuffix("[]"), head.endswith("[]")
    here = f"{where}.{name}" if where else name
    if not isinstance(node, Mapping) or name not in node:
        return [(here, _MISSING)]
    value = node[name]
    if not is_list:
        return _values(value, rest, here)
    if not isinstance(value, list) or not value:
        return [(f"{here}[]", _MISSING)]  # nothing to show the elements' fields on
    return [pair for i, item in enumerate(value) for pair in _values(item, rest, f"{here}[{i}]")]


def _is(expected: FieldType, value: Any) -> bool:
    match expected:
        case "string":
            return isinstance(value, str)
        case "integer":
            return isinstance(value, int) and not isinstance(value, bool)
        case "number":
            return isinstance(value, int | float) and not isinstance(value, bool)
        case "boolean":
            return isinstance(value, bool)
        case "uuid":
            return isinstance(value, str) and _parses(uuid.UUID, value)
        case "date-time":
            return isinstance(value, str) and _parses(_aware, value)
    return False


def _aware(text: str) -> datetime:
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        raise ValueError("no time zone")
    return parsed


def _parses(parse: Any, text: str) -> bool:
    try:
        parse(text)
    except ValueError:
        return False
    return True
