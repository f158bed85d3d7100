"""Chinese labels for widgets, read from the schema (column `info`) and the dictionaries.

No widget hard-codes a field's name or a code's label: they ask here. The dictionaries are the
ones the profile holds (loaded by a service at sign-in, put in `ctx.services["dictionaries"]`),
falling back to the defaults of common/dictionaries.py.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from common.dictionaries import DEFAULTS
from common.schema import label_of
from common.schema.base import Base


class Labels:
    """Dictionary lookups for one profile: code → label, label lists for combo boxes."""

    def __init__(self, dictionaries: dict[str, list[tuple[str, str]]] | None = None) -> None:
        self.dictionaries = dictionaries or {k: list(v) for k, v in DEFAULTS.items()}
        self._maps = {k: dict(v) for k, v in self.dictionaries.items()}

    def options(self, dict_code: str) -> list[tuple[str, str]]:
        return list(self.dictionaries.get(dict_code, ()))

    def label(self, dict_code: str | None, code: Any) -> str:
        if code is None or code == "":
            return ""
        if not dict_code:
            return str(code)
        return self._maps.get(dict_code, {}).get(code, str(code))

    def field(self, entity: type[Base], column: str) -> str:
        return label_of(entity, column)

    def display(self, entity: type[Base], column: str, value: Any) -> str:
        """How a stored value reads in a list or form: dictionary label, date, yes/no."""
        if value is None:
            return ""
        d = entity.__table__.columns[column].info.get("dict") \
            if column in entity.__table__.columns else None
        if d:
            return self.label(d, value)
        if isinstance(value, bool):
            return "是" if value else "否"
        if isinstance(value, dt.datetime):
            return local_time(value)
        if isinstance(value, dt.date):
            return value.isoformat()
        return str(value)


def local_time(stamp: dt.datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored time (naive UTC, as every stored time is) as the worker reads it: on the
    laptop's local clock (Beijing or Xinjiang time, whatever the laptop is set to)."""
    if stamp is None:
        return ""
    return stamp.replace(tzinfo=dt.timezone.utc).astimezone().strftime(fmt)


def labels_of(ctx: Any) -> Labels:
    """The profile's Labels from a page's context (built once, shared by every page)."""
    services = getattr(ctx, "services", {})
    found = services.get("labels")
    if found is None:
        found = Labels(services.get("dictionaries"))
        services["labels"] = found
    return found
