"""The schema compatibility checker: each kind of breaking change is caught, additions pass."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

import pytest
from pydantic import BaseModel, create_model

from tessera_common.events.compatibility import Break, BreakKind, breaking_changes


class Colour(StrEnum):
    RED = "red"
    GREEN = "green"


class ColourRenamed(StrEnum):
    RED = "red"
    EMERALD = "emerald"


class ColourWithBlue(StrEnum):
    RED = "red"
    GREEN = "green"
    BLUE = "blue"


class Line(BaseModel):
    amount: int
    note: str


class Base(BaseModel):
    """The old version of every comparison below."""

    id: uuid.UUID
    name: str
    count: int
    ratio: float
    colour: Colour
    note: str | None = None
    value: int | str
    lines: list[Line]
    at: datetime


def schema_of(**changes: Any) -> dict[str, Any]:
    """The schema of `Base` with fields replaced, added or (with None) removed."""
    fields: dict[str, Any] = {
        name: (field.annotation, field.default if not field.is_required() else ...)
        for name, field in Base.model_fields.items()
    }
    for name, change in changes.items():
        if change is None:
            del fields[name]
        else:
            fields[name] = change
    model: type[BaseModel] = create_model("Base", **fields)
    return model.model_json_schema()


OLD = Base.model_json_schema()


def kinds(breaks: list[Break]) -> set[tuple[str, BreakKind]]:
    return {(found.path, found.kind) for found in breaks}


def test_the_same_schema_is_compatible() -> None:
    assert breaking_changes(OLD, schema_of()) == []


@pytest.mark.parametrize(
    "new",
    [
        pytest.param(schema_of(extra=(int | None, None)), id="new-optional-field"),
        pytest.param(schema_of(extra=(str, "default")), id="new-field-with-default"),
        pytest.param(schema_of(name=(str, "unnamed")), id="required-becomes-optional"),
    ],
)
def test_additive_changes_pass(new: dict[str, Any]) -> None:
    assert breaking_changes(OLD, new) == []


def test_annotations_do_not_matter() -> None:
    new = schema_of()
    new["title"] = "Renamed"
    new["description"] = "Now documented."
    new["properties"]["name"]["description"] = "The display name."
    assert breaking_changes(OLD, new) == []


@pytest.mark.parametrize(
    ("new", "expected"),
    [
        pytest.param(schema_of(name=None), {("name", BreakKind.FIELD_REMOVED)}, id="removed"),
        pytest.param(
            schema_of(name=None, display_name=(str, ...)),
            {("name", BreakKind.FIELD_REMOVED), ("display_name", BreakKind.FIELD_REQUIRED)},
            id="renamed",
        ),
        pytest.param(
            schema_of(lines=(list[dict[str, int]], ...)),
            {
                ("lines[].amount", BreakKind.FIELD_REMOVED),
                ("lines[].note", BreakKind.FIELD_REMOVED),
                ("lines[].*", BreakKind.TYPE_NARROWED),
            },
            id="nested-model-replaced",
        ),
        pytest.param(
            schema_of(extra=(int, ...)), {("extra", BreakKind.FIELD_REQUIRED)}, id="new-required"
        ),
        pytest.param(
            schema_of(note=(str, ...)),
            {("note", BreakKind.FIELD_REQUIRED), ("note", BreakKind.TYPE_NARROWED)},
            id="optional-becomes-required",
        ),
    ],
)
def test_field_changes_break(new: dict[str, Any], expected: set[tuple[str, BreakKind]]) -> None:
    assert kinds(breaking_changes(OLD, new)) == expected


@pytest.mark.parametrize(
    ("new", "expected"),
    [
        pytest.param(
            schema_of(name=(Colour, ...)), {("name", BreakKind.TYPE_NARROWED)}, id="string-to-enum"
        ),
        pytest.param(
            schema_of(name=(Literal["a"], ...)),
            {("name", BreakKind.TYPE_NARROWED)},
            id="string-to-const",
        ),
        pytest.param(
            schema_of(ratio=(int, ...)), {("ratio", BreakKind.TYPE_NARROWED)}, id="number-to-int"
        ),
        pytest.param(
            schema_of(name=(uuid.UUID, ...)),
            {("name", BreakKind.TYPE_NARROWED)},
            id="string-to-uuid",
        ),
        pytest.param(
            schema_of(value=(int, ...)),
            {("value", BreakKind.TYPE_NARROWED)},
            id="union-member-removed",
        ),
        pytest.param(
            schema_of(count=(str, ...)),
            {("count", BreakKind.TYPE_NARROWED), ("count", BreakKind.TYPE_WIDENED)},
            id="int-to-string",
        ),
        pytest.param(
            schema_of(lines=(list[str], ...)),
            {("lines[]", BreakKind.TYPE_NARROWED), ("lines[]", BreakKind.TYPE_WIDENED)},
            id="array-items-changed",
        ),
    ],
)
def test_narrowing_a_type_breaks(new: dict[str, Any], expected: set[tuple[str, BreakKind]]) -> None:
    assert kinds(breaking_changes(OLD, new)) == expected


@pytest.mark.parametrize(
    ("new", "expected"),
    [
        pytest.param(
            schema_of(count=(float, ...)), {("count", BreakKind.TYPE_WIDENED)}, id="int-to-number"
        ),
        pytest.param(
            schema_of(count=(int | None, ...)),
            {("count", BreakKind.TYPE_WIDENED)},
            id="union-member-added",
        ),
        pytest.param(
            schema_of(colour=(str, ...)), {("colour", BreakKind.TYPE_WIDENED)}, id="enum-to-string"
        ),
    ],
)
def test_widening_a_type_breaks_old_consumers(
    new: dict[str, Any], expected: set[tuple[str, BreakKind]]
) -> None:
    assert kinds(breaking_changes(OLD, new)) == expected


def test_a_removed_enum_value_breaks() -> None:
    new = schema_of(colour=(Literal["red"], ...))
    assert [(b.kind, b.detail) for b in breaking_changes(OLD, new)] == [
        (BreakKind.ENUM_VALUE_REMOVED, '"green"')
    ]


def test_a_renamed_enum_value_breaks() -> None:
    found = kinds(breaking_changes(OLD, schema_of(colour=(ColourRenamed, ...))))
    assert found == {
        ("colour", BreakKind.ENUM_VALUE_REMOVED),
        ("colour", BreakKind.ENUM_VALUE_ADDED),
    }


def test_a_new_enum_value_breaks_consumers_that_parse_enums_strictly() -> None:
    found = breaking_changes(OLD, schema_of(colour=(ColourWithBlue, ...)))
    assert [(b.path, b.kind, b.detail) for b in found] == [
        ("colour", BreakKind.ENUM_VALUE_ADDED, '"blue"')
    ]


def test_nested_fields_are_compared_through_refs() -> None:
    class NarrowerLine(BaseModel):
        amount: int

    found = breaking_changes(OLD, schema_of(lines=(list[NarrowerLine], ...)))
    assert kinds(found) == {("lines[].note", BreakKind.FIELD_REMOVED)}


def test_constraints_and_extra_fields_are_compared() -> None:
    old = {"type": "object", "properties": {"n": {"type": "string", "maxLength": 10}}}
    tighter = {
        "type": "object",
        "properties": {"n": {"type": "string", "maxLength": 5}},
        "additionalProperties": False,
    }
    assert kinds(breaking_changes(old, tighter)) == {
        ("n", BreakKind.CONSTRAINT_CHANGED),
        ("", BreakKind.TYPE_NARROWED),
    }


def test_a_break_reads_as_path_kind_and_detail() -> None:
    assert str(Break("lines[].amount", BreakKind.FIELD_REMOVED, "gone")) == (
        "lines[].amount: field removed: gone"
    )
