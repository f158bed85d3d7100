"""Saved 全息检索 queries (client-only) and the xlsx export of a result, which is logged."""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from common.dictionaries import label as dict_label
from common.errors import ValidationError, ValidationErrors
from common.schema import Person, label_of
from common.schema.fields import list_columns
from desktop.storage.local_log import SavedSearch

from .people import masked as masked_value
from .people import tags_of
from .records import load_dictionaries, log_operation
from .search import PeopleQuery, search_person_ids


def save_search(session: Session, name: str, query: PeopleQuery, *, now: dt.datetime) -> int:
    """Save (or overwrite) a named query; never commits."""
    name = name.strip()
    if not name:
        raise ValidationErrors([ValidationError("required", "name", label="检索名称")])
    row = session.execute(select(SavedSearch).where(SavedSearch.name == name)).scalar_one_or_none()
    if row is None:
        row = SavedSearch(name=name, query=query.to_json(), created_at=now)
        session.add(row)
    else:
        row.query = query.to_json()
    session.flush()
    return row.id


def saved_searches(session: Session) -> list[tuple[str, PeopleQuery]]:
    rows = session.execute(select(SavedSearch).order_by(SavedSearch.name)).scalars()
    return [(r.name, PeopleQuery.from_json(r.query)) for r in rows]


EXPORT_FIELDS = tuple(list_columns(Person))
"""The declared list and export columns (common/schema/people.py)."""


def export_people(session: Session, query: PeopleQuery, path: str | Path, *, today: dt.date,
                  now: dt.datetime, actor_id: str, masked: bool = True,
                  fields: Sequence[str] = EXPORT_FIELDS) -> int:
    """Write the people matching `query` to an xlsx file (labels and dictionary labels as the
    header and cells) and log the export. Sensitive fields (ID number, phone, 宗教信仰) stay
    masked unless `masked` is False, which is logged as such. `fields`: the columns (the role's
    visible ones: the server's hidden fields left out). Returns the number of rows. Runs
    on the writer thread
    (the log line is a write)."""
    from openpyxl import Workbook

    dictionaries = load_dictionaries(session)
    labels = {d: dict(v) for d, v in dictionaries.items()}
    ids = search_person_ids(session, query, today=today)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("人口")
    header = [label_of(Person, f) for f in fields] + ["标签"]
    ws.append(header)
    cols = Person.__table__.columns
    n = 0
    for start in range(0, len(ids), 1000):
        chunk = ids[start:start + 1000]
        people = {p.id: p for p in session.execute(
            select(Person).where(Person.id.in_(chunk))).scalars()}
        tags = tags_of(session, chunk)
        for pid in chunk:
            p = people[pid]
            row = []
            for f in fields:
                v = getattr(p, f)
                d = cols[f].info.get("dict")
                if d:
                    v = labels.get(d, {}).get(v, v) if v is not None else None
                if masked:
                    v = masked_value(f, v)
                row.append(v.isoformat() if isinstance(v, dt.date) else v)
            row.append("、".join(labels.get("tag", {}).get(t, dict_label("tag", t) or t)
                                for t in sorted(tags.get(pid, []))))
            ws.append(row)
            n += 1
    wb.save(str(path))
    log_operation(session, "export", "people", None,
                  {"query": query.to_json(), "rows": n, "masked": masked,
                   "file": Path(path).name}, now=now, actor_id=actor_id)
    return n
