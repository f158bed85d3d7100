"""采集任务 on the device: the collection tasks synced to this worker, filled offline in a form
of the collection's person fields; the values go into the person through `people.save_person`
(the same door as the person form: validation, dictionaries, the outbox) and the task is marked
done in the same transaction. Reads on a reader thread, filling on the writer thread.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from common.errors import DomainError, ValidationError, ValidationErrors
from common.schema import Collection, CollectionTask, Person, label_of

from .people import save_person
from .records import save_record


@dataclass(frozen=True)
class CollectionTaskRow:
    """One task as the page lists it."""

    id: str
    title: str
    person_id: str
    person_name: str
    period: str
    due_date: dt.date
    status: str
    fields: tuple[str, ...]


def my_tasks(session: Session, user_id: str, *, which: str = "open") -> list[CollectionTaskRow]:
    """This user's tasks ("open", "done" or "all"), earliest deadline first."""
    q = (select(CollectionTask, Collection.title, Collection.fields, Person.name)
         .join(Collection, Collection.id == CollectionTask.collection_id)
         .join(Person, Person.id == CollectionTask.person_id)
         .where(CollectionTask.deleted.is_(False), Person.deleted.is_(False),
                CollectionTask.assignee_id == user_id))
    if which != "all":
        q = q.where(CollectionTask.status == which)
    rows = session.execute(q.order_by(CollectionTask.due_date, Person.name)).all()
    return [CollectionTaskRow(t.id, title, t.person_id, name, t.period, t.due_date, t.status,
                              tuple(fields or ())) for t, title, fields, name in rows]


def task_form(session: Session, task_id: str) -> tuple[CollectionTaskRow, dict[str, Any]]:
    """The task and the person's current values of the fields it asks for."""
    task = session.get(CollectionTask, task_id)
    if task is None or task.deleted:
        raise DomainError("not_found")
    collection = session.get(Collection, task.collection_id)
    person = session.get(Person, task.person_id)
    if collection is None or person is None or person.deleted:
        raise DomainError("not_found")
    fields = tuple(f for f in collection.fields or () if f in Person.__table__.columns)
    row = CollectionTaskRow(task.id, collection.title, person.id, person.name, task.period,
                            task.due_date, task.status, fields)
    return row, {f: getattr(person, f) for f in fields}


def fill_task(session: Session, task_id: str, values: dict[str, Any], *, now: dt.datetime,
              actor_id: str) -> str:
    """Write the collected values into the person and mark the task done (one transaction:
    a refused value leaves both unchanged). Only the collection's fields are accepted."""
    row, _ = task_form(session, task_id)
    if row.status == "done":
        raise DomainError("task_done_already")
    stray = [k for k in values if k not in row.fields]
    if stray:
        raise ValidationErrors([ValidationError("collection_field_not_asked", k,
                                                label=label_of(Person, k)
                                                if k in Person.__table__.columns else k)
                                for k in stray])
    save_person(session, row.person_id, dict(values), now=now, actor_id=actor_id)
    save_record(session, CollectionTask, task_id, {"status": "done", "done_at": now,
                                                   "done_by": actor_id},
                now=now, actor_id=actor_id)
    return row.person_id
