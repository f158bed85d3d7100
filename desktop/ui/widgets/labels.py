"""Chinese labels for widgets, read from the schema (column `info`) and the dictionaries.

No widget hard-codes a field's name or a code's label: they ask here. The dictionaries are the
profile's `Dictionaries` (desktop/services/records.load_dictionaries: the synced entries, so an
entry an admin added in 配置中心 is an option): loaded at sign-in (`ctx.dictionaries`) and again
after every sync and config change (`labels_of`).
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from common.dictionaries import Dictionaries, default_dictionaries
from common.schema import label_of
from common.schema.base import Base


class Labels:
    """Dictionary lookups for one profile: code → label, label lists for combo boxes; and the
    form guides (填写说明, 示例) the config centre wrote for each field."""

    def __init__(self, dictionaries: Dictionaries | None = None) -> None:
        self.update(dictionaries if dictionaries is not None else default_dictionaries())

    guides: dict[tuple[str, str], tuple[str, str]] = {}

    def update(self, dictionaries: Dictionaries) -> None:
        """Take freshly loaded dictionaries (after a sync): forms opened from now on offer them."""
        self.dictionaries = dictionaries

    def update_guides(self, guides: dict[tuple[str, str], tuple[str, str]]) -> None:
        """Take freshly loaded form guides (desktop/services/records.load_guides)."""
        self.guides = dict(guides)

    def guide(self, entity: type[Base], column: str) -> tuple[str, str]:
        """The field's guide (填写说明) and example (示例) from the config centre, or blanks."""
        return self.guides.get((entity.__tablename__, column), ("", ""))

    def options(self, dict_code: str) -> list[tuple[str, str]]:
        return self.dictionaries.options(dict_code)

    def label(self, dict_code: str | None, code: Any) -> str:
        if code is None or code == "":
            return ""
        if not dict_code:
            return str(code)
        return self.dictionaries.label(dict_code, code) or str(code)

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


RELOAD_ON = ("", "config")
"""data_changed tags after which the dictionaries are read again: a sync or a USB bundle brought
records (""), or the config centre changed them ("config")."""


def labels_of(ctx: Any) -> Labels:
    """The profile's Labels from a page's context (built once, shared by every page). They follow
    the database: after every sync or config change the dictionaries are read again (on a
    reader), so an entry an admin added becomes an option without signing in again."""
    if ctx.labels is None:
        found = ctx.labels = Labels(ctx.dictionaries)
        tasks = ctx.tasks
        if getattr(tasks, "engine", None) is not None:
            from desktop.services.records import load_dictionaries, load_guides

            def reload(touches: str) -> None:
                if touches in RELOAD_ON:
                    tasks.read(load_dictionaries, found.update)
                    tasks.read(load_guides, found.update_guides)
            tasks.data_changed.connect(reload)
            if ctx.dictionaries is None:  # nothing loaded at sign-in: read them now
                reload("")
            else:
                tasks.read(load_guides, found.update_guides)
    return ctx.labels
