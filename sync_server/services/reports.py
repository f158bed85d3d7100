"""The report manager (报表管理, contract item 34).

An admin designs a report: its rows are the org nodes of one level (townships, villages or
grids) or the entries of one declared people dictionary (resident type, ethnicity, tags ...);
its columns, each with a label and an optional group heading (the upper row of a two-row
header), are one of
- `people`: the number of people in the row, optionally only those with one value of a declared
  people-list filter or one tag;
- `ledger_count`: the number of ledger rows of a ledger type;
- `ledger_sum`: the sum of a number field of a ledger type;
- `field`: a field of the place row itself (区划代码);
- `free`: a number the assignee types in (integer or two decimals);
and report-wide people filters narrow every people column. Fields, labels and dictionaries come
from the common/ declaration (the people list's filters, the ledger types' fields).

The report is given to townships or grids for a period (a month or a quarter). Each assignee
gets a share (ReportSubmission) in its work items, types the free columns and submits: the
computed columns are frozen into the share then, so the reviewer sees what the submitter saw.
A grid's share is reviewed by its township (approve, or return with a reason); the township's
share is the sum of its grids' approved shares and goes up only when all of them are approved.
The county approves or returns the townships' shares and exports the consolidated table."""
from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from decimal import Decimal, InvalidOperation
from typing import Any, BinaryIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from common.errors import DomainError, ValidationError, ValidationErrors
from common.schema import (LedgerField, LedgerRow, LedgerType, OrgNode, Person, PersonTag, User,
                           label_of)

from ..db.tables import ReportDef, ReportSubmission
from .collections import FILTERS
from .dictionary_admin import list_entries
from .oplog import log_operation
from .scope import Scope

ROW_LEVELS = {"township": "乡镇", "village": "村/社区", "grid": "网格"}
GROUPS = {key: label for key, label, _ in FILTERS}
"""Rows by group: one row per entry of a declared people dictionary (or per tag)."""
ROW_CHOICES = {**ROW_LEVELS, **{f"group:{k}": f"按{v}分组" for k, v in GROUPS.items()}}
KINDS = {"people": "人数", "ledger_count": "台账条数", "ledger_sum": "台账字段合计",
         "field": "地方属性", "free": "填报（数据库没有的数）"}
PLACE_FIELDS = ("code",)
"""Fields of a place row a column may show (labels from the OrgNode declaration)."""
FORMATS = {"int": "整数", "decimal": "两位小数"}
FREQUENCIES = {"month": "月报", "quarter": "季报"}
NUMBER_FIELDS = ("int", "decimal")
MAX_COLUMNS = 30
MAX_FILTERS = 4
STATUS = {"assigned": "待填报", "submitted": "已上报", "approved": "已通过", "returned": "已退回"}
DONE = ("submitted", "approved")
DEFINERS = ("county_admin", "township_office")
ASSIGNEE_LEVELS = ("township", "grid")


def _dicts() -> dict[str, tuple[str, str]]:
    return {key: (label, d) for key, label, d in FILTERS}


def _check_condition(session: Session, field: str, value: str, where: str, label: str
                     ) -> list[ValidationError]:
    filters = _dicts()
    if field not in filters:
        return [ValidationError("report_filter_unknown", where, label=label, value=field)]
    if value not in {e.code for e in list_entries(session, filters[field][1])}:
        return [ValidationError("not_in_dict", where, label=f"{label}的{filters[field][0]}",
                                value=value)]
    return []


# -- definition ----------------------------------------------------------------------------------
def _check_columns(session: Session, raw: list[dict[str, Any]], *, grouped: bool
                   ) -> tuple[list[dict[str, Any]], list[ValidationError]]:
    errors: list[ValidationError] = []
    columns: list[dict[str, Any]] = []
    if not raw:
        errors.append(ValidationError("report_no_columns", "columns"))
    if len(raw) > MAX_COLUMNS:
        errors.append(ValidationError("report_too_many_columns", "columns", max=MAX_COLUMNS))
    for i, col in enumerate(raw[:MAX_COLUMNS], 1):
        where, name = f"columns.{i}", f"第 {i} 列"
        label = str(col.get("label") or "").strip()
        group = str(col.get("group") or "").strip()
        kind = str(col.get("kind") or "")
        if not label:
            errors.append(ValidationError("required", where, label=f"{name}的列名"))
        elif len(label) > 32:
            errors.append(ValidationError("too_long", where, label=f"{name}的列名", max=32,
                                          length=len(label)))
        if len(group) > 32:
            errors.append(ValidationError("too_long", where, label=f"{name}的分组表头", max=32,
                                          length=len(group)))
        out: dict[str, Any] = {"key": f"c{i}", "label": label, "kind": kind, "format": "int"}
        if group:
            out["group"] = group
        if kind == "people":
            field = str(col.get("filter_field") or "")
            value = str(col.get("filter_value") or "")
            if field:
                errors += _check_condition(session, field, value, where, name)
                out |= {"filter_field": field, "filter_value": value}
        elif kind in ("ledger_sum", "ledger_count"):
            ledger, code = str(col.get("ledger") or ""), str(col.get("field") or "")
            if kind == "ledger_count":
                found = session.execute(select(LedgerType.id).where(
                    LedgerType.code == ledger, LedgerType.deleted.is_(False))).first()
                if found is None:
                    errors.append(ValidationError("report_ledger_invalid", where, column=i,
                                                  value=ledger))
                out |= {"ledger": ledger}
            else:
                found = session.execute(
                    select(LedgerField.field_type).join(
                        LedgerType, LedgerType.id == LedgerField.ledger_type_id)
                    .where(LedgerType.code == ledger, LedgerField.code == code,
                           LedgerType.deleted.is_(False), LedgerField.deleted.is_(False))).first()
                if found is None or found[0] not in NUMBER_FIELDS:
                    errors.append(ValidationError("report_ledger_field_invalid", where,
                                                  column=i, value=f"{ledger}.{code}"))
                else:
                    out["format"] = found[0]
                out |= {"ledger": ledger, "field": code}
        elif kind == "field":
            code = str(col.get("field") or "")
            if grouped or code not in PLACE_FIELDS:
                errors.append(ValidationError("report_place_field_invalid", where, column=i,
                                              value=code))
            out |= {"field": code, "format": "text"}
        elif kind == "free":
            fmt = str(col.get("format") or "int")
            if fmt not in FORMATS:
                errors.append(ValidationError("not_in_dict", where, label=f"{name}的数字格式",
                                              value=fmt))
            out["format"] = fmt if fmt in FORMATS else "int"
        else:
            errors.append(ValidationError("not_in_dict", where, label=f"{name}的类型",
                                          value=kind))
        columns.append(out)
    return columns, errors


def define_report(session: Session, scope: Scope, user: User, *, title: str, rows: str,
                  columns: list[dict[str, Any]], now: dt.datetime,
                  filters: list[dict[str, str]] | None = None,
                  frequency: str = "month") -> ReportDef:
    """Check a report's design (every wrong part named) and store it. `rows`: a level of
    ROW_LEVELS or "group:<filter key>". Never commits."""
    if user.role not in DEFINERS or scope.empty:
        raise DomainError("forbidden")
    errors: list[ValidationError] = []
    title = (title or "").strip()
    if not title:
        errors.append(ValidationError("required", "title", label="报表名称"))
    elif len(title) > 100:
        errors.append(ValidationError("too_long", "title", label="报表名称", max=100,
                                      length=len(title)))
    if rows not in ROW_CHOICES:
        errors.append(ValidationError("not_in_dict", "rows", label="报表行", value=rows))
    if frequency not in FREQUENCIES:
        errors.append(ValidationError("not_in_dict", "frequency", label="报送周期",
                                      value=frequency))
    checked_filters = []
    for i, cond in enumerate((filters or [])[:MAX_FILTERS], 1):
        field, value = str(cond.get("field") or ""), str(cond.get("value") or "")
        if field or value:
            errors += _check_condition(session, field, value, f"filters.{i}", f"第 {i} 个筛选条件")
            checked_filters.append({"field": field, "value": value})
    checked, column_errors = _check_columns(session, columns,
                                            grouped=str(rows).startswith("group:"))
    errors += column_errors
    if errors:
        raise ValidationErrors(errors)
    node = session.get(OrgNode, scope.node_id)
    assert node is not None  # a non-empty scope has its node
    level, _, group = rows.partition(":")
    row = ReportDef(id=str(uuid.uuid4()), title=title, row_level=level, row_group=group or None,
                    filters=checked_filters, frequency=frequency, columns=checked,
                    node_id=node.id, node_path=node.path, created_by=user.id, created_at=now)
    session.add(row)
    session.flush()
    log_operation(session, user=user, action="create", now=now, entity="report_defs",
                  record_id=row.id, details={"title": title, "columns": len(checked)})
    return row


def delete_report(session: Session, scope: Scope, user: User, report: ReportDef, *,
                  now: dt.datetime) -> None:
    """Remove a report designed wrongly, with the shares given out, while no place has
    submitted anything of it. Never commits."""
    if user.role not in DEFINERS or not scope.contains_path(report.node_path):
        raise DomainError("forbidden")
    shares = list(session.scalars(select(ReportSubmission).where(
        ReportSubmission.report_id == report.id)))
    sent = [x for x in shares if x.status != "assigned" or x.values]
    if sent:
        raise DomainError("report_in_use", count=len(sent))
    for share in shares:
        session.delete(share)
    session.delete(report)
    session.flush()
    log_operation(session, user=user, action="delete", now=now, entity="report_defs",
                  record_id=report.id, details={"title": report.title, "shares": len(shares)})


def rows_label(report: ReportDef) -> str:
    return GROUPS[report.row_group] if report.row_group else ROW_LEVELS[report.row_level]


def reports_in(session: Session, scope: Scope) -> list[ReportDef]:
    """Reports defined at or below the user's node, and those given to a place in it,
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


# -- the figures ---------------------------------------------------------------------------------
def row_nodes(session: Session, report: ReportDef, path: str) -> list[OrgNode]:
    """The report's place rows within `path` (a township's own rows, or all of them)."""
    inside = path if path.startswith(report.node_path) else report.node_path
    return list(session.scalars(select(OrgNode).where(
        OrgNode.level == report.row_level, OrgNode.deleted.is_(False),
        OrgNode.path.startswith(inside, autoescape=True)).order_by(OrgNode.path)))


def rows_of(session: Session, report: ReportDef, path: str) -> list[tuple[str, str]]:
    """(row key, row name) within `path`: node ids for place rows, dictionary codes for
    group rows."""
    if report.row_group:
        return [(e.code, e.label) for e in list_entries(session, _dicts()[report.row_group][1])]
    return [(n.id, n.name) for n in row_nodes(session, report, path)]


def _people_condition(field: str, value: str) -> Any:
    if field == "tag":
        return Person.id.in_(select(PersonTag.person_id).where(
            PersonTag.deleted.is_(False), PersonTag.tag_code == value))
    return Person.__table__.c[field] == value


def _number(amount: Decimal) -> int | float:
    return int(amount) if amount == amount.to_integral() else float(amount)


def compute(session: Session, report: ReportDef, path: str) -> dict[str, dict[str, Any]]:
    """The computed columns of the rows within `path`, counted now:
    {row key: {column key: number}}."""
    keys = [k for k, _ in rows_of(session, report, path)]
    values: dict[str, dict[str, Any]] = {k: {} for k in keys}
    if not keys:
        return values
    inside = path if path.startswith(report.node_path) else report.node_path
    grids = select(OrgNode.id).where(OrgNode.level == "grid",
                                     OrgNode.path.startswith(inside, autoescape=True))
    group = report.row_group
    if group:
        def row_key(grid_id: str, code: Any) -> str | None:  # noqa: ARG001
            return code if code in values else None
        label_of = (PersonTag.tag_code if group == "tag" else Person.__table__.c[group])
    else:
        by_path = {n.path: n.id for n in row_nodes(session, report, path)}
        of_grid: dict[str, str | None] = {}
        for grid_id, grid_path in session.execute(
                select(OrgNode.id, OrgNode.path).where(OrgNode.id.in_(grids))):
            parts = grid_path.split("/")  # "/a/b/" -> ["", "a", "b", ""]
            of_grid[grid_id] = next((by_path[p] for p in ("/".join(parts[:i]) + "/"
                                                          for i in range(2, len(parts)))
                                     if p in by_path), None)

        def row_key(grid_id: str, code: Any) -> str | None:  # noqa: ARG001
            return of_grid.get(grid_id)
        label_of = None

    def people_query(*select_cols: Any) -> Any:
        query = select(*select_cols).where(Person.deleted.is_(False), Person.grid_id.in_(grids))
        if group == "tag":
            query = query.join(PersonTag, (PersonTag.person_id == Person.id)
                               & PersonTag.deleted.is_(False))
        return query

    for col in report.columns:
        key = col["key"]
        if col["kind"] == "free":
            continue
        if col["kind"] == "field":
            for node in ([] if group else row_nodes(session, report, path)):
                values[node.id][key] = getattr(node, col["field"], None)
            continue
        for k in keys:
            values[k][key] = 0
        if col["kind"] == "people":
            by = [Person.grid_id, label_of] if group else [Person.grid_id]
            query = people_query(*by, func.count(func.distinct(Person.id)))
            conds = [(c["field"], c["value"]) for c in (report.filters or [])]
            if col.get("filter_field"):
                conds.append((col["filter_field"], col["filter_value"]))
            for field, value in conds:
                query = query.where(_people_condition(field, value))
            for *where, n in session.execute(query.group_by(*by)):
                k = row_key(where[0], where[-1])
                if k is not None:
                    values[k][key] += int(n)
            continue
        # ledger rows: by the row's place, or by the group of the person they are bound to
        base = select(LedgerRow.grid_id, LedgerRow.data).join(
            LedgerType, LedgerType.id == LedgerRow.ledger_type_id).where(
            LedgerType.code == col["ledger"], LedgerRow.deleted.is_(False),
            LedgerRow.grid_id.in_(grids))
        if group:
            base = base.join(Person, Person.id == LedgerRow.person_id).add_columns(label_of)
            if group == "tag":
                base = base.join(PersonTag, (PersonTag.person_id == Person.id)
                                 & PersonTag.deleted.is_(False))
        total: dict[str, Decimal] = defaultdict(Decimal)
        for grid_id, data, *code in session.execute(base):
            k = row_key(grid_id, code[0] if code else None)
            if k is None:
                continue
            if col["kind"] == "ledger_count":
                total[k] += 1
                continue
            try:
                total[k] += Decimal(str((data or {}).get(col["field"]) or 0))
            except InvalidOperation:
                continue
        for k, amount in total.items():
            values[k][key] = _number(amount)
    return values


# -- assignment ----------------------------------------------------------------------------------
def check_period(text: str, frequency: str | None = None) -> str:
    """A month ("2026-11") or a quarter ("2026-Q4"), the kind the report's frequency asks."""
    text = (text or "").strip().upper()
    quarter = len(text) == 7 and text[4:6] == "-Q" and text[6] in "1234" and text[:4].isdigit()
    month = False
    if not quarter:
        try:
            month = len(text) == 7 and dt.date.fromisoformat(text + "-01").year > 1900
        except ValueError:
            month = False
    if not (quarter or month):
        raise ValidationError("report_period_invalid", "period", value=text)
    if frequency == "month" and quarter or frequency == "quarter" and month:
        raise ValidationError("report_period_kind", "period", value=text,
                              kind=FREQUENCIES[frequency],
                              example="2026-11" if frequency == "month" else "2026-Q4")
    return text


def assignable(session: Session, scope: Scope, report: ReportDef) -> list[OrgNode]:
    """The townships and grids a report may be given to: below its node, within the user's
    scope; for place rows, at or above the rows' level (a grid fills grid rows only)."""
    levels = ("township",) if report.row_level in ("township", "village") \
        and not report.row_group else ASSIGNEE_LEVELS
    return [n for n in session.scalars(select(OrgNode).where(
        OrgNode.level.in_(levels), OrgNode.deleted.is_(False),
        OrgNode.path.startswith(report.node_path, autoescape=True),
        OrgNode.id != report.node_id).order_by(OrgNode.path))
        if scope.contains_path(n.path)]


def _share(session: Session, report: ReportDef, node: OrgNode, period: str, *, user: User,
           parent: ReportSubmission | None, now: dt.datetime) -> ReportSubmission:
    sub = ReportSubmission(id=str(uuid.uuid4()), report_id=report.id, node_id=node.id,
                           node_path=node.path, level=node.level, period=period,
                           parent_id=parent.id if parent else None, status="assigned",
                           values={}, updated_at=now, updated_by=user.id)
    session.add(sub)
    return sub


def period_of(frequency: str | None, day: dt.date) -> str:
    """The period `day` falls in: "2026-11" for a monthly report, "2026-Q4" for a quarterly."""
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}" if frequency == "quarter" \
        else f"{day:%Y-%m}"


def assign(session: Session, scope: Scope, user: User, report: ReportDef, *,
           node_ids: list[str], period: str, now: dt.datetime, standing: bool = False) -> int:
    """Give the report to townships or grids (in scope, below the report's node) for a period.
    A grid's township gets a share too (the sum of its grids, reviewed and sent up by it).
    A place already given it for that period keeps what it filled. `standing`: the same
    places get it every following period too (make_due). Never commits."""
    if user.role not in DEFINERS or not scope.contains_path(report.node_path):
        raise DomainError("forbidden")
    period = check_period(period, report.frequency)
    allowed = {n.id: n for n in assignable(session, scope, report)}
    wanted = set(node_ids)
    if not wanted or not wanted <= set(allowed):
        raise ValidationError("report_no_assignees", "assignees")
    have = {s.node_id: s for s in session.scalars(select(ReportSubmission).where(
        ReportSubmission.report_id == report.id, ReportSubmission.period == period))}
    made = 0
    towns = {n.path: n for n in allowed.values() if n.level == "township"}
    for node in sorted((allowed[i] for i in wanted), key=lambda n: n.path):
        parent = None
        if node.level == "grid":
            town = next((t for p, t in towns.items() if node.path.startswith(p)), None)
            if town is not None:
                if town.id not in have:
                    have[town.id] = _share(session, report, town, period, user=user,
                                           parent=None, now=now)
                    made += 1
                parent = have[town.id]
                if parent.status in DONE:
                    raise ValidationError("report_parent_done", "assignees", name=town.name)
        if node.id in have:
            continue
        have[node.id] = _share(session, report, node, period, user=user, parent=parent, now=now)
        made += 1
    if standing:
        report.standing, report.standing_by = sorted(wanted), user.id
    session.flush()
    log_operation(session, user=user, action="assign", now=now, entity="report_defs",
                  record_id=report.id, details={"period": period, "shares": made})
    return made


def stop_standing(session: Session, scope: Scope, user: User, report: ReportDef, *,
                  now: dt.datetime) -> None:
    """No more automatic shares each period (those already given stay). Never commits."""
    if user.role not in DEFINERS or not scope.contains_path(report.node_path):
        raise DomainError("forbidden")
    report.standing, report.standing_by = None, None
    log_operation(session, user=user, action="update", now=now, entity="report_defs",
                  record_id=report.id, details={"standing": None})


def _standing_due(session: Session, now: dt.datetime) -> list[tuple[ReportDef, str]]:
    out = []
    for report in session.scalars(select(ReportDef).where(ReportDef.standing_by.is_not(None))):
        period = period_of(report.frequency, now.date())
        if report.standing and session.scalar(select(ReportSubmission.id).where(
                ReportSubmission.report_id == report.id,
                ReportSubmission.period == period).limit(1)) is None:
            out.append((report, period))
    return out


def due(session: Session, *, now: dt.datetime) -> bool:
    """Whether a standing report has not been given out for the current period yet."""
    return bool(_standing_due(session, now))


def make_due(session: Session, *, now: dt.datetime) -> int:
    """The housekeeping round: give each standing report to its places for the current period,
    in the name of whoever set it up (skipped while that account or its scope is gone; places
    no longer in that scope left out). Returns the shares made. Never commits."""
    made = 0
    for report, period in _standing_due(session, now):
        user = session.get(User, report.standing_by)
        if user is None or user.deleted or not user.active:
            continue
        scope = Scope.of(session, user)
        allowed = {n.id for n in assignable(session, scope, report)}
        places = [i for i in report.standing or [] if i in allowed]
        if scope.empty or not places:
            continue
        try:
            made += assign(session, scope, user, report, node_ids=places, period=period,
                           now=now)
        except DomainError:
            continue
    return made


# -- shares --------------------------------------------------------------------------------------
def submissions(session: Session, scope: Scope, report: ReportDef,
                period: str | None = None) -> list[ReportSubmission]:
    """The shares within the user's scope (a township sees its own and its grids')."""
    query = select(ReportSubmission).where(
        ReportSubmission.report_id == report.id,
        ReportSubmission.node_path.startswith(scope.path or "\0", autoescape=True))
    if period:
        query = query.where(ReportSubmission.period == period)
    return list(session.scalars(query.order_by(ReportSubmission.period.desc(),
                                               ReportSubmission.node_path)))


def periods(session: Session, scope: Scope, report: ReportDef) -> list[str]:
    return sorted({s.period for s in submissions(session, scope, report)}, reverse=True)


def get_submission(session: Session, scope: Scope, submission_id: str) -> ReportSubmission:
    row = session.get(ReportSubmission, submission_id)
    if row is None or scope.empty or not (scope.contains_path(row.node_path)
                                          or scope.node_id == _reviewer_node(session, row)):
        raise DomainError("not_found")
    return row


def children(session: Session, sub: ReportSubmission) -> list[ReportSubmission]:
    return list(session.scalars(select(ReportSubmission).where(
        ReportSubmission.parent_id == sub.id).order_by(ReportSubmission.node_path)))


def _reviewer_node(session: Session, sub: ReportSubmission) -> str:
    """The node whose users review a share: the parent share's place, else the report's."""
    if sub.parent_id:
        parent = session.get(ReportSubmission, sub.parent_id)
        if parent is not None:
            return parent.node_id
    report = session.get(ReportDef, sub.report_id)
    return report.node_id if report is not None else ""


def may_review(session: Session, scope: Scope, sub: ReportSubmission) -> bool:
    return not scope.empty and scope.node_id == _reviewer_node(session, sub)


def _merge(parts: list[dict[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """Cell-wise sums (place rows are disjoint between shares, group rows add up)."""
    out: dict[str, dict[str, Any]] = {}
    for part in parts:
        for row, cells in (part or {}).items():
            line = out.setdefault(row, {})
            for key, value in cells.items():
                if value is None:
                    line.setdefault(key, None)
                elif isinstance(value, str):  # a place's field (one share per place row)
                    line[key] = value
                else:
                    total = Decimal(str(line.get(key) or 0)) + Decimal(str(value))
                    line[key] = _number(total)
    return out


def figures(session: Session, report: ReportDef, sub: ReportSubmission
            ) -> dict[str, dict[str, Any]]:
    """A share's cells {row key: {column key: number}}: once submitted, the frozen computed
    figures and what was typed; before, the computed columns counted now and what was saved
    (a township with grids: the sum of its grids' submitted or approved shares)."""
    if sub.status in DONE and sub.frozen is not None:
        return _merge([sub.frozen, sub.values or {}])
    kids = children(session, sub)
    if kids:
        return _merge([figures(session, report, k) for k in kids if k.status in DONE])
    return _merge([compute(session, report, sub.node_path), sub.values or {}])


def fill(session: Session, scope: Scope, user: User, sub: ReportSubmission,
         raw: dict[str, dict[str, str]], *, submit: bool, now: dt.datetime) -> ReportSubmission:
    """The assignee's typed columns ({row key: {column key: text}}); every bad cell named.
    `submit` hands the share up with the computed columns frozen as they are now; a share
    with grids below it goes up only when every grid's share is approved (their sum, nothing
    typed). Only the place's own users fill it. Never commits."""
    if scope.node_id != sub.node_id:
        raise DomainError("forbidden")
    if sub.status not in ("assigned", "returned"):
        raise DomainError("report_not_fillable", status=STATUS[sub.status])
    report = session.get(ReportDef, sub.report_id)
    assert report is not None
    kids = children(session, sub)
    if kids:
        if not submit:
            return sub
        missing = [k for k in kids if k.status != "approved"]
        if missing:
            names = dict(session.execute(select(OrgNode.id, OrgNode.name).where(
                OrgNode.id.in_([k.node_id for k in missing]))).all())
            raise DomainError("report_grids_missing", count=len(missing), names="、".join(
                f"{names.get(k.node_id, '')}（{STATUS[k.status]}）" for k in missing))
        free_keys = {c["key"] for c in report.columns if c["kind"] == "free"}
        whole = _merge([figures(session, report, k) for k in kids])
        sub.values = {r: {k: v for k, v in cells.items() if k in free_keys}
                      for r, cells in whole.items()}
        sub.frozen = {r: {k: v for k, v in cells.items() if k not in free_keys}
                      for r, cells in whole.items()}
    else:
        sub.values = _typed(session, report, sub, raw, submit=submit)
        if submit:
            sub.frozen = compute(session, report, sub.node_path)
    if submit:
        sub.status, sub.note, sub.submitted_at = "submitted", None, now
    sub.updated_at, sub.updated_by = now, user.id
    log_operation(session, user=user, action="submit" if submit else "update", now=now,
                  entity="report_submissions", record_id=sub.id)
    return sub


def _typed(session: Session, report: ReportDef, sub: ReportSubmission,
           raw: dict[str, dict[str, str]], *, submit: bool) -> dict[str, dict[str, Any]]:
    free = [c for c in report.columns if c["kind"] == "free"]
    errors: list[ValidationError] = []
    values: dict[str, dict[str, Any]] = {}
    for key, name in rows_of(session, report, sub.node_path):
        for col in free:
            where = f"{key}.{col['key']}"
            text = str((raw.get(key) or {}).get(col["key"]) or "").strip().replace(",", "")
            if not text:
                if submit:
                    errors.append(ValidationError("required", where,
                                                  label=f"“{name}”的“{col['label']}”"))
                continue
            try:
                number = Decimal(text)
                if not number.is_finite() or abs(number) >= Decimal("1e12"):
                    raise InvalidOperation
            except InvalidOperation:
                errors.append(ValidationError("report_value_invalid", where, row=name,
                                              column=col["label"], value=text[:20]))
                continue
            if col.get("format", "int") == "int" and number != number.to_integral():
                errors.append(ValidationError("report_value_not_int", where, row=name,
                                              column=col["label"], value=text[:20]))
                continue
            values.setdefault(key, {})[col["key"]] = _number(number.quantize(Decimal("0.01"))
                                                             if number.as_tuple().exponent < -2
                                                             else number)
    if errors:
        raise ValidationErrors(errors)
    return values


def review(session: Session, scope: Scope, user: User, sub: ReportSubmission, *, approve: bool,
           note: str, now: dt.datetime) -> ReportSubmission:
    """The level above approves a submitted share or returns it with a reason (an approved
    grid share may be returned while its township's share has not gone up). Never commits."""
    if not may_review(session, scope, sub):
        raise DomainError("forbidden")
    parent = session.get(ReportSubmission, sub.parent_id) if sub.parent_id else None
    reopen = (not approve and sub.status == "approved" and parent is not None
              and parent.status not in DONE)
    if sub.status != "submitted" and not reopen:
        raise DomainError("report_not_reviewable", status=STATUS[sub.status])
    note = (note or "").strip()
    if not approve and not note:
        raise ValidationError("required", "note", label="退回原因")
    if len(note) > 200:
        raise ValidationError("too_long", "note", label="退回原因", max=200, length=len(note))
    sub.status = "approved" if approve else "returned"
    sub.note = note or None
    sub.updated_at, sub.updated_by = now, user.id
    log_operation(session, user=user, action="approve" if approve else "return", now=now,
                  entity="report_submissions", record_id=sub.id, details={"note": sub.note})
    return sub


def waiting(session: Session, user: User) -> tuple[int, int]:
    """(shares this user's place has to fill, shares waiting for this user's review)."""
    scope = Scope.of(session, user)
    if scope.empty:
        return 0, 0
    to_fill = session.scalar(select(func.count()).select_from(ReportSubmission).where(
        ReportSubmission.node_id == scope.node_id,
        ReportSubmission.status.in_(("assigned", "returned")))) or 0
    parents = select(ReportSubmission.id).where(ReportSubmission.node_id == scope.node_id)
    own = select(ReportDef.id).where(ReportDef.node_id == scope.node_id)
    to_review = session.scalar(select(func.count()).select_from(ReportSubmission).where(
        ReportSubmission.status == "submitted",
        ReportSubmission.parent_id.in_(parents)
        | (ReportSubmission.parent_id.is_(None) & ReportSubmission.report_id.in_(own)))) or 0
    return int(to_fill), int(to_review)


def inbox(session: Session, scope: Scope) -> tuple[list[ReportSubmission],
                                                   list[ReportSubmission]]:
    """The shares the user's place fills (open first) and the submitted ones they review."""
    if scope.empty:
        return [], []
    mine = list(session.scalars(select(ReportSubmission).where(
        ReportSubmission.node_id == scope.node_id).order_by(
        ReportSubmission.status.in_(DONE), ReportSubmission.period.desc())))
    parents = select(ReportSubmission.id).where(ReportSubmission.node_id == scope.node_id)
    own = select(ReportDef.id).where(ReportDef.node_id == scope.node_id)
    review_ = list(session.scalars(select(ReportSubmission).where(
        ReportSubmission.status == "submitted",
        ReportSubmission.parent_id.in_(parents)
        | (ReportSubmission.parent_id.is_(None) & ReportSubmission.report_id.in_(own)))
        .order_by(ReportSubmission.submitted_at)))
    return mine, review_


def place_names(session: Session, ids: list[str]) -> dict[str, str]:
    return dict(session.execute(select(OrgNode.id, OrgNode.name)
                                .where(OrgNode.id.in_(ids))).all()) if ids else {}


def progress(session: Session, scope: Scope, report: ReportDef, period: str
             ) -> list[dict[str, Any]]:
    """Each share of the period in scope with its place, level, status, reason and when it
    was submitted, townships first with their grids below them."""
    subs = submissions(session, scope, report, period)
    names = place_names(session, [s.node_id for s in subs])
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for s in subs:
        if s.parent_id:
            counts[s.parent_id][s.status] += 1
    return [{"sub": s, "name": names.get(s.node_id, ""), "level": s.level or "township",
             "grids": dict(counts.get(s.id, {})), "may_review": may_review(session, scope, s)
             and s.status == "submitted"} for s in subs]


# -- the consolidated table and its xlsx ---------------------------------------------------------
def table(session: Session, scope: Scope, report: ReportDef, *, period: str | None = None
          ) -> tuple[list[str], list[list[Any]]]:
    """The report as (header, rows) within the user's scope. With a period, rows covered by a
    submitted or approved share show its frozen figures and what was typed (a township's
    share where it has gone up, else its grids' ones); other place rows show the computed
    columns counted now and blank typed cells."""
    path = scope.path or "\0"
    rows = rows_of(session, report, path)
    cells: dict[str, dict[str, Any]] = {}
    used: list[ReportSubmission] = []
    if period:
        done = {s.id: s for s in submissions(session, scope, report, period)
                if s.status in DONE}
        used = [s for s in done.values() if s.parent_id not in done]
    if used:
        cells = _merge([figures(session, report, s) for s in used])
    live = compute(session, report, path) if not (used and report.row_group) else {}
    header = [rows_label(report), *(c["label"] for c in report.columns)]
    out = []
    for key, name in rows:
        source = cells.get(key) if key in cells else live.get(key, {})
        out.append([name, *((source or {}).get(c["key"]) for c in report.columns)])
    return header, out


def totals(report: ReportDef, rows: list[list[Any]]) -> list[Any]:
    line: list[Any] = ["合计"]
    for i, col in enumerate(report.columns, 1):
        numbers = [Decimal(str(r[i])) for r in rows
                   if r[i] is not None and col.get("format") != "text"]
        line.append(_number(sum(numbers, Decimal(0))) if numbers else None)
    return line


def header_rows(report: ReportDef) -> list[tuple[str, int, int]]:
    """The upper header row as (text, first column, last column), 1-based over the table's
    columns after the row label: a group heading spans its adjacent columns, a column
    without one spans both header rows (its label, text "")."""
    spans: list[tuple[str, int, int]] = []
    for i, col in enumerate(report.columns, 2):
        group = col.get("group") or ""
        if group and spans and spans[-1][0] == group and spans[-1][2] == i - 1:
            spans[-1] = (group, spans[-1][1], i)
        else:
            spans.append((group, i, i))
    return spans


def write_xlsx(session: Session, scope: Scope, user: User, report: ReportDef, out: BinaryIO, *,
               period: str | None, now: dt.datetime) -> int:
    """The consolidated table as a styled xlsx in the designed layout: the title over the
    table, a two-row header (group headings merged across their columns, ungrouped labels
    merged down), the rows, a totals row, number formats, widths, the header frozen.
    Written top to bottom in one pass. In the operation log."""
    header, rows = table(session, scope, report, period=period)
    width = len(header)
    book = Workbook()
    sheet = book.active
    sheet.title = "".join(ch for ch in report.title if ch not in "[]:*?/\\")[:31] or "报表"
    thin = Side(style="thin", color="808080")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    head_fill = PatternFill("solid", fgColor="DDEBF7")
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    formats = ["@", *({"decimal": "#,##0.00", "text": "@"}.get(c.get("format", ""), "#,##0")
                      for c in report.columns)]

    title = sheet.cell(row=1, column=1, value=report.title + (f"（{period}）" if period else ""))
    title.font, title.alignment = Font(bold=True, size=14), centre
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet.row_dimensions[1].height = 28
    for r in (2, 3):
        for c in range(1, width + 1):
            cell = sheet.cell(row=r, column=c)
            cell.font, cell.fill, cell.alignment, cell.border = (Font(bold=True), head_fill,
                                                                 centre, box)
    sheet.cell(row=2, column=1, value=header[0])
    sheet.merge_cells(start_row=2, start_column=1, end_row=3, end_column=1)
    for text, first, last in header_rows(report):
        if text:
            sheet.cell(row=2, column=first, value=text)
            if last > first:
                sheet.merge_cells(start_row=2, start_column=first, end_row=2, end_column=last)
            for c in range(first, last + 1):
                sheet.cell(row=3, column=c, value=header[c - 1])
        else:
            sheet.cell(row=2, column=first, value=header[first - 1])
            sheet.merge_cells(start_row=2, start_column=first, end_row=3, end_column=first)
    r = 3
    for line in [*rows, totals(report, rows)]:
        r += 1
        last = r == len(rows) + 4
        for c, value in enumerate(line, 1):
            cell = sheet.cell(row=r, column=c, value=value)
            cell.border = box
            if c > 1:
                cell.number_format = formats[c - 1]
            if last:
                cell.font = Font(bold=True)
                cell.fill = head_fill
    for c, text in enumerate(header, 1):
        longest = max([len(str(text)), *(len(str(line[c - 1] or "")) for line in rows)]
                      if c == 1 else [len(str(text)), 6])
        sheet.column_dimensions[get_column_letter(c)].width = min(40, 2 * longest + 4)
    sheet.freeze_panes = "B4"
    sheet.print_title_rows = "2:3"
    book.save(out)
    log_operation(session, user=user, action="export", now=now, entity="report_defs",
                  record_id=report.id, details={"format": "xlsx", "period": period,
                                                "rows": len(rows)})
    return len(rows)


# -- what the design form offers -----------------------------------------------------------------
def filter_choices(session: Session) -> list[tuple[str, str]]:
    """("field:value", "label：value label") for every declared people filter's values."""
    return [(f"{key}:{e.code}", f"{label}：{e.label}") for key, label, d in FILTERS
            for e in list_entries(session, d)]


def ledger_choices(session: Session) -> list[tuple[str, str]]:
    """("ledger.field", "ledger name·field label") for every number field of a ledger type,
    ("ledger.", "ledger name·条数") for counting a ledger's rows, and ("@field", ...) for a
    place's own fields."""
    types = session.execute(select(LedgerType.code, LedgerType.name).where(
        LedgerType.deleted.is_(False)).order_by(LedgerType.sort, LedgerType.code)).all()
    fields = session.execute(select(LedgerType.code, LedgerField.code, LedgerField.label).join(
        LedgerField, LedgerField.ledger_type_id == LedgerType.id).where(
        LedgerType.deleted.is_(False), LedgerField.deleted.is_(False),
        LedgerField.field_type.in_(NUMBER_FIELDS))
        .order_by(LedgerField.sort, LedgerField.code)).all()
    out = [(f"@{f}", f"地方属性·{label_of(OrgNode, f)}") for f in PLACE_FIELDS]
    for t, name in types:
        out.append((f"{t}.", f"{name}·条数"))
        out += [(f"{t}.{f}", f"{name}·{label}") for tt, f, label in fields if tt == t]
    return out


def columns_from_form(slots: list[dict[str, str]]) -> list[dict[str, Any]]:
    """The design form's column slots (label, group, kind, filter "field:value", ledger
    "ledger.field", format) as define_report's columns; untouched slots left out."""
    out = []
    for slot in slots:
        label, kind = slot.get("label", "").strip(), slot.get("kind", "").strip()
        if not label and not kind:
            continue
        col: dict[str, Any] = {"label": label, "kind": kind, "group": slot.get("group", ""),
                               "format": slot.get("format") or "int"}
        if kind == "people" and slot.get("filter"):
            field, _, value = slot["filter"].partition(":")
            col |= {"filter_field": field, "filter_value": value}
        if kind in ("ledger_sum", "ledger_count"):
            ledger, _, code = (slot.get("ledger") or "").partition(".")
            col |= {"ledger": ledger, "field": code}
        if kind == "field":
            col["field"] = (slot.get("ledger") or "").removeprefix("@")
        out.append(col)
    return out


def form_of(report: ReportDef, slots: int, filter_slots: int) -> dict[str, Any]:
    """A design as the design form shows it (to start a new report from an existing one)."""
    def slot(col: dict[str, Any]) -> dict[str, str]:
        source = ""
        if col["kind"] in ("ledger_sum", "ledger_count"):
            source = f"{col.get('ledger', '')}.{col.get('field', '')}"
        elif col["kind"] == "field":
            source = f"@{col.get('field', '')}"
        cond = f"{col['filter_field']}:{col['filter_value']}" if col.get("filter_field") else ""
        return {"label": col["label"], "group": col.get("group", ""), "kind": col["kind"],
                "filter": cond, "ledger": source, "format": col.get("format", "int")}
    filters = [f"{c['field']}:{c['value']}" for c in report.filters or []]
    return {"title": f"{report.title}（副本）"[:100],
            "rows": f"group:{report.row_group}" if report.row_group else report.row_level,
            "frequency": report.frequency or "month",
            "filters": (filters + [""] * filter_slots)[:filter_slots],
            "slots": ([slot(c) for c in report.columns] + [{}] * slots)[:max(slots,
                                                                            len(report.columns))]}


def filters_from_form(texts: list[str]) -> list[dict[str, str]]:
    out = []
    for text in texts:
        field, _, value = (text or "").partition(":")
        out.append({"field": field, "value": value})
    return out
