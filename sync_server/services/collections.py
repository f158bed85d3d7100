"""Data-collection tasks (数据采集, contract item 101): a township or county user defines a
collection (who: filters over the people of their scope; which person fields, from the
declaration; once or monthly; a deadline); each person in it becomes a task for a worker of the
person's grid, synced to that grid's devices; the worker fills it offline and the values reach
the person through the one write path; the definer sees completion by grid and worker.

Tasks have ids derived from (collection, person, period), so making a period's tasks again (a
second look at the page, a retried request) adds none. Never commits (the request's session).
"""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from common.errors import DomainError, ValidationError, ValidationErrors
from common.schema import Collection, CollectionTask, OrgNode, Person, PersonTag, User, \
    label_of
from common.schema.fields import filters as list_filters
from common.schema.fields import form_fields

from . import saved_searches
from .changes import apply_change
from .dictionary_admin import list_entries
from .oplog import log_operation
from .records import record_conditions
from .scope import Scope

COLLECTABLE: tuple[str, ...] = tuple(f for f in form_fields(Person)
                                     if f not in ("id_number", "name", "grid_id"))
"""Person fields a collection may ask for: the person form's fields but the identity ones."""
FILTERS: tuple[tuple[str, str, str], ...] = (
    # (form key, label, dictionary): the conditions choosing the people of a collection: the
    # people list's declared dictionary filters (common/schema/fields.filters) and a tag
    *((f, label_of(Person, f), Person.__table__.columns[f].info["dict"])
      for f in list_filters(Person) if Person.__table__.columns[f].info.get("dict")),
    ("tag", "人员标签", "tag"),
)
SEARCH_LABEL = "人员范围（已保存的检索）"
DEFINERS = ("county_admin", "township_office")
_DONE = func.sum(case((CollectionTask.status == "done", 1), else_=0))
TASK_NS = uuid.UUID("6f1f4c8e-39c5-4a59-9f55-2a1c0c1d0b71")


def fields_offered() -> list[tuple[str, str]]:
    return [(f, label_of(Person, f)) for f in COLLECTABLE]


def filter_options(session: Session) -> list[tuple[str, str, list[tuple[str, str]]]]:
    return [(key, label, [(e.code, e.label) for e in list_entries(session, d)])
            for key, label, d in FILTERS]


def period_of(frequency: str, day: dt.date) -> str:
    return "once" if frequency == "once" else f"{day:%Y-%m}"


def task_id(collection_id: str, person_id: str, period: str) -> str:
    return str(uuid.uuid5(TASK_NS, f"{collection_id}/{person_id}/{period}"))


def create_collection(session: Session, scope: Scope, user: User, values: dict[str, Any], *,
                      now: dt.datetime) -> tuple[Collection, int]:
    """Check the definition (every wrong field named), store it and make the first period's
    tasks; (collection, tasks made)."""
    if user.role not in DEFINERS or scope.empty:
        raise DomainError("forbidden")
    errors: list[ValidationError] = []
    title = str(values.get("title") or "").strip()
    if not title:
        errors.append(ValidationError("required", "title", label="采集名称"))
    elif len(title) > 100:
        errors.append(ValidationError("too_long", "title", label="采集名称", max=100,
                                      length=len(title)))
    fields = [f for f in values.get("fields") or [] if f]
    if not fields:
        errors.append(ValidationError("collection_no_fields", "fields"))
    errors += [ValidationError("not_in_dict", "fields", label="采集字段", value=f)
               for f in fields if f not in COLLECTABLE]
    frequency = values.get("frequency") or ""
    if frequency not in ("once", "monthly"):
        errors.append(ValidationError("not_in_dict", "frequency", label="频次", value=frequency))
    due = None
    raw_due = str(values.get("due_date") or "").strip()
    try:
        due = dt.date.fromisoformat(raw_due)
        if due < now.date():
            errors.append(ValidationError("collection_due_past", "due_date", value=raw_due))
    except ValueError:
        errors.append(ValidationError("date_invalid", "due_date", label="截止日期",
                                      value=raw_due) if raw_due else
                      ValidationError("required", "due_date", label="截止日期"))
    filters: dict[str, Any] = {}
    search_id = str(values.get("search_id") or "").strip()
    if search_id:
        # the population of a saved search of the people list, run within this scope
        try:
            saved = saved_searches.get_search(session, user, search_id)
            filters.update(search=dict(saved.query), search_name=saved.name)
        except DomainError:
            errors.append(ValidationError("bad_reference", "search_id", label=SEARCH_LABEL))
    for key, label, dict_code in FILTERS:
        code = str(values.get(key) or "").strip()
        if not code:
            continue
        if code not in {e.code for e in list_entries(session, dict_code)}:
            errors.append(ValidationError("not_in_dict", key, label=label, value=code))
        filters[key] = code
    if errors:
        raise ValidationErrors(errors)
    row = apply_change(session, Collection, None, {
        "title": title, "fields": fields, "filters": filters, "frequency": frequency,
        "due_date": due, "scope_node_id": scope.node_id, "created_by": user.id,
        "active": True, "grid_id": None}, now=now, actor_id=user.id)
    made = make_tasks(session, row, day=now.date(), now=now, actor_id=user.id)
    log_operation(session, user=user, action="create", now=now, entity="collections",
                  record_id=row.id, details={"fields": fields, "filters": filters,
                                             "tasks": made})
    return row, made


def _people(session: Session, collection: Collection) -> list[tuple[str, str]]:
    node = session.get(OrgNode, collection.scope_node_id)
    if node is None or not node.path:
        return []
    scope = Scope(node.id, node.path)
    q = select(Person.id, Person.grid_id).where(scope.condition(Person),
                                               Person.deleted.is_(False))
    f = collection.filters or {}
    if f.get("search"):
        conds = record_conditions(session, Person, saved_searches.as_filters(f["search"]))
        if conds is None:
            return []
        q = q.where(*conds)
    for key, code in f.items():
        if key != "tag" and key in Person.__table__.columns:
            q = q.where(Person.__table__.columns[key] == code)
    if f.get("tag"):
        q = q.where(Person.id.in_(select(PersonTag.person_id).where(
            PersonTag.tag_code == f["tag"], PersonTag.deleted.is_(False))))
    return [(r[0], r[1]) for r in session.execute(q.order_by(Person.id))]


def _workers(session: Session, grids: set[str]) -> dict[str, list[str]]:
    """Each grid's active grid workers, by account name: the grid's tasks are shared out
    among them."""
    out: dict[str, list[str]] = {}
    for uid, grid in session.execute(select(User.id, User.scope_node_id).where(
            User.scope_node_id.in_(grids), User.role == "grid_worker",
            User.active.is_(True), User.deleted.is_(False)).order_by(User.username)):
        out.setdefault(grid, []).append(uid)
    return out


def _shares(people: list[tuple[str, str]], workers: dict[str, list[str]]
            ) -> dict[str, str | None]:
    """person -> worker: each grid's people (in id order) dealt out in turn to its workers,
    so every worker gets an equal share; None where a grid has no worker (the township sees
    them as 未分配)."""
    seen: dict[str, int] = {}
    out: dict[str, str | None] = {}
    for pid, grid in people:
        mine = workers.get(grid) or []
        n = seen.get(grid, 0)
        seen[grid] = n + 1
        out[pid] = mine[n % len(mine)] if mine else None
    return out


def make_tasks(session: Session, collection: Collection, *, day: dt.date, now: dt.datetime,
               actor_id: str | None = None) -> int:
    """The tasks of the period `day` falls in (a monthly collection's new month, the one
    period of a once collection); those that exist are left alone. The number made."""
    if not collection.active or collection.deleted:
        return 0
    if collection.frequency == "once" and day > collection.due_date:
        return 0
    period = period_of(collection.frequency, day)
    people = _people(session, collection)
    assignee = _shares(people, _workers(session, {g for _, g in people if g}))
    wanted = {task_id(collection.id, pid, period): (pid, grid) for pid, grid in people}
    have = set(session.scalars(select(CollectionTask.id).where(
        CollectionTask.id.in_(list(wanted))))) if wanted else set()
    due = collection.due_date if collection.frequency == "once" else min(
        collection.due_date, _month_end(day)) if day <= collection.due_date else _month_end(day)
    made = 0
    for tid, (pid, grid) in wanted.items():
        if tid in have:
            continue
        apply_change(session, CollectionTask, tid, {
            "collection_id": collection.id, "person_id": pid, "period": period,
            "assignee_id": assignee[pid], "due_date": due, "status": "open",
            "grid_id": grid}, now=now, actor_id=actor_id)
        made += 1
    return made


def _running_monthly(day: dt.date) -> Any:
    return select(Collection).where(
        Collection.frequency == "monthly", Collection.active.is_(True),
        Collection.deleted.is_(False), Collection.due_date >= day)


def monthly_running(session: Session, *, now: dt.datetime) -> bool:
    return session.scalar(_running_monthly(now.date()).limit(1)) is not None


def make_due_tasks(session: Session, *, now: dt.datetime) -> int:
    """A new month's tasks of every running monthly collection (the server's housekeeping
    round calls this, so workers get them at their next sync without anyone opening a page)."""
    day = now.date()
    made = 0
    for row in session.scalars(_running_monthly(day)):
        made += make_tasks(session, row, day=day, now=now)
    return made


def _month_end(day: dt.date) -> dt.date:
    first_next = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return first_next - dt.timedelta(days=1)


def list_collections(session: Session, scope: Scope) -> list[tuple[Collection, int, int]]:
    """The collections defined in or above-and-within the user's scope, newest first, with
    (tasks, done) counted in the scope."""
    if scope.empty:
        return []
    rows = session.scalars(select(Collection).where(Collection.deleted.is_(False))
                           .order_by(Collection.created_at.desc(), Collection.id)).all()
    nodes = {n.id: n.path for n in session.execute(select(OrgNode.id, OrgNode.path).where(
        OrgNode.id.in_({r.scope_node_id for r in rows})))}
    visible = [r for r in rows if (nodes.get(r.scope_node_id) or "").startswith(scope.path)
               or scope.path.startswith(nodes.get(r.scope_node_id) or "\0")]
    counts = {cid: (n, d) for cid, n, d in session.execute(
        select(CollectionTask.collection_id, func.count(),
               _DONE)
        .where(scope.condition(CollectionTask), CollectionTask.deleted.is_(False))
        .group_by(CollectionTask.collection_id))}
    out = []
    for r in visible:
        n, d = counts.get(r.id, (0, 0))
        out.append((r, int(n), int(d or 0)))
    return out


@dataclass(frozen=True)
class Completion:
    """One grid's or worker's share of a collection's period: tasks and how many are done."""

    grid: str
    worker: str
    total: int
    done: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def get_collection(session: Session, scope: Scope, collection_id: str) -> Collection:
    for row, _, _ in list_collections(session, scope):
        if row.id == collection_id:
            return row
    raise DomainError("not_found")


def completion(session: Session, scope: Scope, collection_id: str, *, day: dt.date,
               now: dt.datetime) -> tuple[Collection, str, list[Completion]]:
    """The collection, its current period and completion by grid and worker in the scope
    (the period's tasks are made first when a new month has begun)."""
    row = get_collection(session, scope, collection_id)
    make_tasks(session, row, day=day, now=now)
    period = period_of(row.frequency, day) if row.frequency == "monthly" else "once"
    names = dict(session.execute(select(OrgNode.id, OrgNode.name)).all())
    users = dict(session.execute(select(User.id, User.display_name)).all())
    rows = session.execute(
        select(CollectionTask.grid_id, CollectionTask.assignee_id, func.count(),
               _DONE)
        .where(CollectionTask.collection_id == row.id, CollectionTask.period == period,
               CollectionTask.deleted.is_(False), scope.condition(CollectionTask))
        .group_by(CollectionTask.grid_id, CollectionTask.assignee_id)).all()
    out = [Completion(names.get(g, g or ""), users.get(a, "未分配") if a else "未分配",
                      int(n), int(d or 0)) for g, a, n, d in rows]
    return row, period, sorted(out, key=lambda c: (c.grid, c.worker))


def field_labels(fields: list[str]) -> str:
    return "、".join(label_of(Person, f) for f in fields if f in Person.__table__.columns)
