"""Per-entity rules every write path applies (client edits, sync push, bundle relay, REST, the
imports to come): what a new record starts with and which records may not coexist.

Rules are data and statements here; the caller runs them in its own transaction. Pure: builds
SQLAlchemy conditions but never opens a database.
"""
from __future__ import annotations

from typing import Any

from common.errors import ValidationError, ValidationErrors
from common.schema import Person, label_of
from common.schema.fields import defaults


def new_person_values(values: dict[str, Any]) -> dict[str, Any]:
    """A new person's values before validation: the declared defaults (户籍人口, 正常) under what
    was given, and the ID number and name present (so a missing one is named as required)."""
    return {**defaults(Person), "id_number": None, "name": None, **values}


def same_id_number(id_number: str, own_id: str | None) -> list[Any]:
    """Conditions over Person finding another live person with this (normalised) ID number:
    one person per ID number within what the caller can see."""
    conditions = [Person.id_number == id_number, Person.deleted.is_(False)]
    if own_id:
        conditions.append(Person.id != own_id)
    return conditions


def id_duplicate(id_number: str, other: Person) -> ValidationError:
    """The refusal naming the person already registered with this ID number."""
    return ValidationError("id_duplicate", "id_number", label=label_of(Person, "id_number"),
                           value=id_number, name=other.name, person_id=other.id)


def tag_changes(current: set[str], wanted: list[str], known: set[str]) -> tuple[list[str],
                                                                            list[str]]:
    """(tags to add, tags to remove) making a person's live tags exactly `wanted`; a tag not in
    the tag dictionary (`known`: the synced entries) refuses the whole change."""
    unknown = [t for t in wanted if t not in known]
    if unknown:
        raise ValidationErrors([ValidationError("not_in_dict", "tags", label="标签", value=t)
                                for t in unknown])
    return sorted(set(wanted) - current), sorted(current - set(wanted))


def tags_left_behind(tags: list[Any], grid_id: str | None) -> list[Any]:
    """A person's live tag records not in the person's grid: a tag belongs to the same scope as
    its person, so every write path that moves a person moves these with them."""
    return [t for t in tags if t.grid_id != grid_id]


PLACE_NUMBERS: dict[tuple[str, str], tuple[float, float]] = {
    ("buildings", "floors_above"): (1, 200),
    ("floors", "number"): (-10, 200),
    ("houses", "area"): (0.1, 100_000),
}
"""The range a place's number must fall in (a floor may be underground, never 0)."""


def place_problems(entity: type, values: dict[str, Any]) -> list[ValidationError]:
    """What is wrong with a place record as a whole (`values`: the record after the change).

    A unit, floor or house hung in a building names that building (a house directly under a
    village's grid, 农村自建房, names none of the three); numbers stay in a sensible range."""
    table = getattr(entity, "__tablename__", "")
    out: list[ValidationError] = []
    if table in ("houses", "floors") and not values.get("building_id"):
        for key in ("unit_id", "floor_id"):
            if values.get(key) and key in entity.__table__.columns:
                out.append(ValidationError("place_needs_building", key,
                                           label=label_of(entity, key)))
    for (t, key), (low, high) in PLACE_NUMBERS.items():
        value = values.get(key)
        if t == table and value is not None and not (low <= value <= high and value != 0):
            out.append(ValidationError("number_range", key, label=label_of(entity, key),
                                       low=int(low) if low == int(low) else low,
                                       high=int(high), value=value))
    return out
