"""The report manager (报表管理, contract item 34): an admin defines a report, assigns it to
townships for a period; each township fills the columns the database cannot answer and submits;
the county approves or returns; the consolidated table is an xlsx in the designed layout.

A report's rows are the org nodes of one level (townships, villages or grids) below the
definer's node; its columns, each with a label, are one of:
- `people`: the number of people in the row (not deleted), optionally only those with one value
  of a declared people-list filter (sex, ethnicity, resident type, status ...) or one tag;
- `ledger_sum`: the sum of a number field of a ledger type over the row's ledger rows;
- `free`: a number the township fills in.
Computed columns are counted when the table is shown or exported, never stored."""
from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from decimal import Decimal, InvalidOperation
from typing import Any, BinaryIO

from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from common.errors import DomainError, ValidationError, ValidationErrors
from common.schema import LedgerField, LedgerRow, LedgerType, OrgNode, Person, PersonTag, User

from ..db.tables import ReportDef, ReportSubmission
from .collections import FILTERS
from .dictionary_admin import list_entries
from .oplog import log_operation
from .scope import Scope

ROW_LEVELS = {"township": "乡镇", "village": "村/社区", "grid": "网格"}
KINDS = {"people": "人数", "ledger_sum": "台账字段合计", "free": "乡镇填报"}
NUMBER_FIELDS = ("int", "decimal")
MAX_COLUMNS = 30
STATUS = {"assigned": "待填报", "submitted": "已上报", "approved": "已通过", "returned": "已退回"}
DEFINERS = ("county_admin", "township_office")


# -- definition ----------------------------------------------------------------------------------
def _check_columns(session: Session, raw: list[dict[str, Any]]) -> tuple[list[dict[str, Any]],
                                                                        list[ValidationError]]:
    errors: list[ValidationError] = []
    columns: list[dict[str, Any]] = []
    filters = {key: (label, d) for key, label, d in FILTERS}
    if not raw:
        errors.append(ValidationError("report_no_columns", "columns"))
    if len(raw) > MAX_COLUMNS:
        errors.append(ValidationError("report_too_many_columns", "columns", max=MAX_COLUMNS))
    for i, col in enumerate(raw[:MAX_COLUMNS], 1):
        where = f"columns.{i}"
        label = str(col.get("label") or "").strip()
        kind = str(col.get("kind") or "")
        if not label:
            errors.append(ValidationError("required", where, label=f"第 {i} 列的列名"))
        elif len(label) > 32:
            errors.append(ValidationError("too_long", where, label=f"第 {i} 列的列名", max=32,
                                          length=len(label)))
        out: dict[str, Any] = {"key": f"c{i}", "label": label, "kind": kind}
        if kind == "people":
            field = str(col.get("filter_field") or "")
            value = str(col.get("filter_value") or "")
            if field:
                if field not in filters:
                    errors.append(ValidationError("report_filter_unknown", where, column=i,
                                                  value=field))
                elif value not in {e.code for e in list_entries(session, filters[field][1])}:
                    errors.append(ValidationError("not_in_dict", where,
                                                  label=f"第 {i} 列的{filters[field][0]}",
                                                  value=value))
                out |= {"filter_field": field, "filter_value": value}
        elif kind == "ledger_sum":
            ledger, code = str(col.get("ledger") or ""), str(col.get("field") or "")
            found = session.execute(
                select(LedgerField.field_type).join(
                    LedgerType, LedgerType.id == LedgerField.ledger_type_id)
                .where(LedgerType.code == ledger, LedgerField.code == code,
                       LedgerType.deleted.is_(False), LedgerField.deleted.is_(False))).first()
            if found is None or found[0] not in NUMBER_FIELDS:
                errors.append(ValidationError("report_ledger_field_invalid", where, column=i,
                                              value=f"{ledger}.{code}"))
            out |= {"ledger": ledger, "field": code}
        elif kind != "free":
            errors.append(ValidationError("not_in_dict", where, label=f"第 {i} 列的类型",
                                          value=kind))
        columns.append(out)
    return columns, errors


def define_report(session: Session, scope: Scope, user: User, *, title: str, row_level: str,
                  columns: list[dict[str, Any]], now: dt.datetime) -> ReportDef:
    """Check a report's definition (every wrong part named) and store it. Never commits."""
    if user.role not in DEFINERS or scope.empty:
        raise DomainError("forbidden")
    errors: list[ValidationError] = []
    title = (title or "").strip()
    if not title:
        errors.append(ValidationError("required", "title", label="报表名称"))
    elif len(title) > 100:
        errors.append(ValidationError("too_long", "title", label="报表名称", max=100,
                                      length=len(title)))
    if row_level not in ROW_LEVELS:
        errors.append(ValidationError("not_in_dict", "row_level", label="报表行",
                                      value=row_level))
    checked, column_errors = _check_columns(session, columns)
    errors += column_errors
    if errors:
        raise ValidationErrors(errors)
    node = session.get(OrgNode, scope.node_id)
    assert node is not None  # a non-empty scope has its node
    row = ReportDef(id=str(uuid.uuid4()), title=title, row_level=row_level, columns=checked,
                    node_id=node.id, node_path=node.path, created_by=user.id, created_at=now)
    session.add(row)
    session.flush()
    log_operation(session, user=user, action="create", now=now, entity="report_defs",
                  record_id=row.id, details={"title": title, "columns": len(checked)})
    return row


def reports_in(session: Session, scope: Scope) -> list[ReportDef]:
    """Reports defined at or below the user's node, and those given to a township in it,
    newest first."""
    if scope.empty:
        return []
    given = select(ReportSubmission.report_id).where(
        ReportSubmission.node_path.startswith(scope.path, autoescape=True))
    return list(session.scalars(select(ReportDef).where(
        ReportDef.node_path.startswith(scope.path, autoescape=True) | ReportDef.id.in_(given))
        .order_by(ReportDef.created_at.desc(), ReportDef.id)))


def get_report(session: Session, scope: Scope, report_id: str) -> ReportDef:
    row = session.get(ReportDef, report_id)
    if row is None or scope.empty:
        raise DomainError("not_found")
    if not scope.contains_path(row.node_path) and session.scalar(
            select(ReportSubmission.id).where(
                ReportSubmission.report_id == row.id,
                ReportSubmission.node_path.startswith(scope.path, autoescape=True)).limit(1)
    ) is None:
        raise DomainError("not_found")
    return row


# -- the table -----------------------------------------------------------------------------------
def row_nodes(session: Session, report: ReportDef, path: str) -> list[OrgNode]:
    """The report's rows within `path` (a township's own rows, or all of them)."""
    inside = path if path.startswith(report.node_path) else report.node_path
    return list(session.scalars(select(OrgNode).where(
        OrgNode.level == report.row_level, OrgNode.deleted.is_(False),
        OrgNode.path.startswith(inside, autoescape=True)).order_by(OrgNode.path)))


def _row_of(nodes: list[OrgNode], all_nodes: dict[str, str]) -> dict[str, str]:
    """grid id -> the report row (node id) it falls in."""
    out = {}
    for grid_id, grid_path in all_nodes.items():
        for n in nodes:
            if grid_path.startswith(n.path):
                out[grid_id] = n.id
                break
    return out


def compute(session: Session, report: ReportDef, nodes: list[OrgNode]
            ) -> dict[str, dict[str, Any]]:
    """Computed columns per row node id: {node_id: {column key: number}}."""
    values: dict[str, dict[str, Any]] = {n.id: {} for n in nodes}
    if not nodes:
        return values
    under = [n.path for n in nodes]
    grids = {i: p for i, p in session.execute(select(OrgNode.id, OrgNode.path))
             if any(p.startswith(u) for u in under)}
    row_of = _row_of(nodes, grids)
    for col in report.columns:
        key = col["key"]
        for n in nodes:
            values[n.id][key] = 0 if col["kind"] != "free" else None
        if col["kind"] == "people":
            query = select(Person.grid_id, func.count(func.distinct(Person.id))).where(
                Person.deleted.is_(False), Person.grid_id.in_(list(grids)))
            field = col.get("filter_field")
            if field == "tag":
                query = query.join(PersonTag, (PersonTag.person_id == Person.id)
                                   & PersonTag.deleted.is_(False)
                                   & (PersonTag.tag_code == col["filter_value"]))
            elif field:
                query = query.where(Person.__table__.c[field] == col["filter_value"])
            for grid_id, n in session.execute(query.group_by(Person.grid_id)):
                values[row_of[grid_id]][key] += int(n)
        elif col["kind"] == "ledger_sum":
            rows = session.execute(select(LedgerRow.grid_id, LedgerRow.data).join(
                LedgerType, LedgerType.id == LedgerRow.ledger_type_id).where(
                LedgerType.code == col["ledger"], LedgerRow.deleted.is_(False),
                LedgerRow.grid_id.in_(list(grids))))
            total: dict[str, Decimal] = defaultdict(Decimal)
            for grid_id, data in rows:
                try:
                    total[row_of[grid_id]] += Decimal(str((data or {}).get(col["field"]) or 0))
                except InvalidOperation:
                    continue
            for node_id, amount in total.items():
                values[node_id][key] = int(amount) if amount == amount.to_integral() \
                    else float(amount)
    return values


def table(session: Session, scope: Scope, report: ReportDef, *, period: str | None = None
          ) -> tuple[list[str], list[list[Any]]]:
    """The report as (header, rows) within the user's scope: computed columns counted now,
    free columns from the townships' submissions of `period` (blank where none)."""
    nodes = row_nodes(session, report, scope.path or "\0")
    computed = compute(session, report, nodes)
    filled: dict[str, Any] = {}
    if period:
        for sub in session.scalars(select(ReportSubmission).where(
                ReportSubmission.report_id == report.id, ReportSubmission.period == period,
                ReportSubmission.status.in_(("submitted", "approved")))):
            filled.update(sub.values or {})
    header = [ROW_LEVELS[report.row_level], *(c["label"] for c in report.columns)]
    rows = []
    for n in nodes:
        line: list[Any] = [n.name]
        for c in report.columns:
            line.append((filled.get(n.id) or {}).get(c["key"]) if c["kind"] == "free"
                        else computed[n.id][c["key"]])
        rows.append(line)
    return header, rows


def write_xlsx(session: Session, scope: Scope, user: User, report: ReportDef, out: BinaryIO, *,
               period: str | None, now: dt.datetime) -> int:
    """The consolidated table as xlsx in the designed layout (in the operation log)."""
    header, rows = table(session, scope, report, period=period)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(report.title[:31])
    sheet.append([report.title + (f"（{period}）" if period else "")])
    sheet.append(header)
    for line in rows:
        sheet.append(line)
    book.save(out)
    log_operation(session, user=user, action="export", now=now, entity="report_defs",
                  record_id=report.id, details={"format": "xlsx", "period": period,
                                                "rows": len(rows)})
    return len(rows)


# -- assignment, filling, review -----------------------------------------------------------------
def check_period(text: str) -> str:
    """A month ("2026-11") or a quarter ("2026-Q4")."""
    text = (text or "").strip().upper()
    try:
        if len(text) == 7 and text[4] == "-" and text[5] == "Q" and text[6] in "1234":
            int(text[:4])
            return text
        dt.date.fromisoformat(text + "-01")
        return text
    except ValueError:
        raise ValidationError("report_period_invalid", "period", value=text) from None


def assign(session: Session, scope: Scope, user: User, report: ReportDef, *,
           township_ids: list[str], period: str, now: dt.datetime) -> int:
    """Give the report to townships (in scope, below the report's node) for a period; a
    township already given it for that period keeps what it filled. Never commits."""
    period = check_period(period)
    if user.role not in DEFINERS:
        raise DomainError("forbidden")
    towns = [n for n in session.scalars(select(OrgNode).where(OrgNode.id.in_(township_ids)))
             if n.level == "township" and not n.deleted and scope.contains_path(n.path)
             and n.path.startswith(report.node_path)]
    if not towns or len(towns) != len(set(township_ids)):
        raise ValidationError("report_no_townships", "townships")
    have = set(session.scalars(select(ReportSubmission.node_id).where(
        ReportSubmission.report_id == report.id, ReportSubmission.period == period)))
    made = 0
    for town in towns:
        if town.id in have:
            continue
        session.add(ReportSubmission(id=str(uuid.uuid4()), report_id=report.id,
                                     node_id=town.id, node_path=town.path, period=period,
                                     status="assigned", values={}, updated_at=now,
                                     updated_by=user.id))
        made += 1
    session.flush()
    log_operation(session, user=user, action="assign", now=now, entity="report_defs",
                  record_id=report.id, details={"period": period, "townships": made})
    return made


def submissions(session: Session, scope: Scope, report: ReportDef) -> list[ReportSubmission]:
    return list(session.scalars(select(ReportSubmission).where(
        ReportSubmission.report_id == report.id,
        ReportSubmission.node_path.startswith(scope.path or "\0", autoescape=True))
        .order_by(ReportSubmission.period.desc(), ReportSubmission.node_path)))


def get_submission(session: Session, scope: Scope, submission_id: str) -> ReportSubmission:
    row = session.get(ReportSubmission, submission_id)
    if row is None or not scope.contains_path(row.node_path):
        raise DomainError("not_found")
    return row


def fill(session: Session, scope: Scope, user: User, sub: ReportSubmission,
         raw: dict[str, dict[str, str]], *, submit: bool, now: dt.datetime) -> ReportSubmission:
    """The township's free columns ({row node id: {column key: text}}); every bad cell named;
    `submit` hands it to the county. Only the township's own users fill it. Never commits."""
    if scope.node_id != sub.node_id:
        raise DomainError("forbidden")
    if sub.status not in ("assigned", "returned"):
        raise DomainError("report_not_fillable", status=STATUS[sub.status])
    report = session.get(ReportDef, sub.report_id)
    assert report is not None
    free = [c for c in report.columns if c["kind"] == "free"]
    errors: list[ValidationError] = []
    values: dict[str, dict[str, Any]] = {}
    for node in row_nodes(session, report, sub.node_path):
        for col in free:
            text = str((raw.get(node.id) or {}).get(col["key"]) or "").strip()
            if not text:
                if submit:
                    errors.append(ValidationError("required", f"{node.id}.{col['key']}",
                                                  label=f"“{node.name}”的“{col['label']}”"))
                continue
            try:
                number = Decimal(text)
            except InvalidOperation:
                errors.append(ValidationError("report_value_invalid", f"{node.id}.{col['key']}",
                                              row=node.name, column=col["label"], value=text))
                continue
            values.setdefault(node.id, {})[col["key"]] = (
                int(number) if number == number.to_integral() else float(number))
    if errors:
        raise ValidationErrors(errors)
    sub.values = values
    sub.status = "submitted" if submit else sub.status
    sub.updated_at, sub.updated_by = now, user.id
    log_operation(session, user=user, action="submit" if submit else "update", now=now,
                  entity="report_submissions", record_id=sub.id)
    return sub


def review(session: Session, scope: Scope, user: User, sub: ReportSubmission, *, approve: bool,
           note: str, now: dt.datetime) -> ReportSubmission:
    """The level above approves a submitted share or returns it with a note. Never commits."""
    if user.role != "county_admin" or scope.node_id == sub.node_id:
        raise DomainError("forbidden")
    if sub.status != "submitted":
        raise DomainError("report_not_reviewable", status=STATUS[sub.status])
    note = (note or "").strip()
    if not approve and not note:
        raise ValidationError("required", "note", label="退回原因")
    sub.status = "approved" if approve else "returned"
    sub.note = note[:200] or None
    sub.updated_at, sub.updated_by = now, user.id
    log_operation(session, user=user, action="approve" if approve else "return", now=now,
                  entity="report_submissions", record_id=sub.id, details={"note": sub.note})
    return sub


# -- what the definition form offers -------------------------------------------------------------
def filter_choices(session: Session) -> list[tuple[str, str]]:
    """("field:value", "label：value label") for every declared people filter's values."""
    return [(f"{key}:{e.code}", f"{label}：{e.label}") for key, label, d in FILTERS
            for e in list_entries(session, d)]


def ledger_choices(session: Session) -> list[tuple[str, str]]:
    """("ledger.field", "ledger name·field label") for every number field of a ledger type."""
    rows = session.execute(select(LedgerType.code, LedgerType.name, LedgerField.code,
                                  LedgerField.label).join(
        LedgerField, LedgerField.ledger_type_id == LedgerType.id).where(
        LedgerType.deleted.is_(False), LedgerField.deleted.is_(False),
        LedgerField.field_type.in_(NUMBER_FIELDS))
        .order_by(LedgerType.sort, LedgerType.code, LedgerField.sort, LedgerField.code))
    return [(f"{t}.{f}", f"{name}·{label}") for t, name, f, label in rows]


def columns_from_form(slots: list[dict[str, str]]) -> list[dict[str, Any]]:
    """The definition form's column slots (label, kind, filter "field:value", ledger
    "ledger.field") as define_report's columns; untouched slots left out."""
    out = []
    for slot in slots:
        label, kind = slot.get("label", "").strip(), slot.get("kind", "").strip()
        if not label and not kind:
            continue
        col: dict[str, Any] = {"label": label, "kind": kind}
        if kind == "people" and slot.get("filter"):
            field, _, value = slot["filter"].partition(":")
            col |= {"filter_field": field, "filter_value": value}
        if kind == "ledger_sum":
            ledger, _, code = (slot.get("ledger") or "").partition(".")
            col |= {"ledger": ledger, "field": code}
        out.append(col)
    return out


def townships(session: Session, scope: Scope, report: ReportDef) -> list[OrgNode]:
    """The townships a report may be given to: below its node, within the user's scope."""
    return [n for n in session.scalars(select(OrgNode).where(
        OrgNode.level == "township", OrgNode.deleted.is_(False),
        OrgNode.path.startswith(report.node_path, autoescape=True)).order_by(OrgNode.path))
        if scope.contains_path(n.path)]
