"""Batch import of people with review (入库审核): a township or county user uploads the sheet they
hold, a preview classifies every row, a reviewer above them approves all, some or none, and the
approved rows enter the register through the one write path (services/records: validation,
scope, the person's rules, the operation log) in the caller's transaction.

Sheets are read with the desktop assistant's header recognition (common/sheets): title rows,
two-row headers, merged cells, ID numbers as text or damaged floats, mixed dates. Classes of a
preview row:

- new: a person the register does not hold, in a grid of the uploader's scope;
- update: a person of the uploader's scope whose sheet values differ (field: old -> new); a
  different grid becomes a transfer request at the review, which the receiving grid decides;
- unchanged: a known person the sheet agrees with;
- duplicate: an ID number on several rows of the file (none of them is imported);
- invalid: a value the rules refuse (column and reason);
- out_of_scope: the row names a grid outside the uploader's scope;
- other_grid: the person is registered in a grid outside the uploader's scope (moving them is a
  claim, not an import).
"""
from __future__ import annotations

import datetime as dt
import re
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from openpyxl.utils import get_column_letter
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from common.cells import MONTH
from common.dictionaries import Dictionaries
from common.errors import DomainError, ValidationError, ValidationErrors
from common.schema import DictEntry, OrgNode, Person, User, label_of
from common.sheets.catalogue import PERSON_FIELDS
from common.sheets.tables import Table, pick_table, read_values, row_values, sniff_bytes
from common.sheets.values import id_problem, is_blank, normalise_name, parse_cell, same, text_of
from common.validation import validate_person

from ..db.import_tables import ImportBatch, ImportRow
from .oplog import log_operation
from .records import create_record, update_record
from .scope import Scope

KINDS: dict[str, str] = {
    "new": "新增人员", "update": "更新已登记人员", "unchanged": "无变化",
    "duplicate": "文件内重复", "invalid": "有错误", "out_of_scope": "超出管辖范围",
    "other_grid": "已在其他网格（需认领）",
}
IMPORTABLE = ("new", "update")
STATES: dict[str, str] = {
    "ready": "待提交", "submitted": "待审核", "approved": "已通过",
    "partly_approved": "部分通过", "refused": "未通过",
}
MAX_BYTES = 15 * 1024 * 1024
"""Below the server's request-body limit (settings.max_body_bytes) with room for the form."""
PERSON_KEYS = {f.key: f for f in PERSON_FIELDS}
TRANSFER_NOTE = "（提交人员转移申请，须该网格审核）"
"""How the preview shows a row's new grid: the move waits for the receiving grid."""
CHUNK = 500


@dataclass(frozen=True)
class Grid:
    id: str
    name: str
    code: str | None
    path: str
    village: str


def message(code: str, **params: Any) -> str:
    return DomainError(code, **params).message()


def _problem(col: int | None, header: str, text: str) -> dict[str, Any]:
    return {"column": f"{get_column_letter(col)}列（{header}）" if col else header,
            "message": text}


# --- upload ---------------------------------------------------------------------------------

def check_upload(session: Session, scope: Scope, *, filename: str, data: bytes,
                 default_grid_id: str | None) -> None:
    """Refuse before any work a file no reader can open or a default grid outside the scope
    (field `file` or `default_grid_id`, Chinese message)."""
    if not filename or not data:
        raise ValidationErrors([ValidationError("import_no_file", "file")])
    if len(data) > MAX_BYTES:
        raise ValidationErrors([ValidationError("import_too_large", "file",
                                                max=MAX_BYTES // (1024 * 1024))])
    try:
        sniff_bytes(data, filename)
    except DomainError as err:
        raise ValidationErrors([ValidationError(err.code, "file", **err.params)]) from None
    if default_grid_id:
        node = session.get(OrgNode, default_grid_id)
        if node is None or node.deleted or node.level != "grid" \
                or not scope.contains_path(node.path):
            raise ValidationErrors([ValidationError("out_of_scope", "default_grid_id")])


def grids_in_scope(session: Session, scope: Scope) -> list[OrgNode]:
    """The live grids of the scope, for the default-grid select."""
    if scope.empty:
        return []
    return list(session.scalars(select(OrgNode).where(
        OrgNode.level == "grid", OrgNode.deleted.is_(False),
        OrgNode.path.startswith(scope.path, autoescape=True)).order_by(OrgNode.path)))


def new_batch_id() -> str:
    return str(uuid.uuid4())


def create_batch(session: Session, scope: Scope, user: User, *, filename: str,
                 default_grid_id: str | None, now: dt.datetime, batch_id: str | None = None
                 ) -> ImportBatch:
    batch = ImportBatch(id=batch_id or new_batch_id(), filename=filename[:200],
                        uploader_id=user.id, uploader_name=user.display_name or user.username,
                        node_id=scope.node_id, node_path=scope.path,
                        default_grid_id=default_grid_id or None, state="previewing", columns=[],
                        counts={}, created_at=now)
    session.add(batch)
    session.flush()
    return batch


def preview(session: Session, scope: Scope, user: User, *, filename: str, data: bytes,
            default_grid_id: str | None, now: dt.datetime, batch_id: str | None = None,
            progress: Callable[[int, int], None] | None = None) -> ImportBatch:
    """Read the sheet, classify every data row, and store the batch with its rows (state
    `ready`). A sheet without a recognisable header raises (nothing is stored)."""
    wb = read_values(data, filename)
    table = pick_table(wb)
    batch = create_batch(session, scope, user, filename=filename, default_grid_id=default_grid_id,
                         now=now, batch_id=batch_id)
    batch.sheet = table.sheet[:64]
    rows = classify(session, scope, wb[table.sheet], table, default_grid_id=default_grid_id,
                    today=now.date(), progress=progress)
    batch.columns = [[c.header, PERSON_KEYS[c.field].label if c.field in PERSON_KEYS
                      else _other_label(c.field)] for c in table.columns]
    for start in range(0, len(rows), CHUNK):
        session.execute(insert(ImportRow), [{**r, "batch_id": batch.id, "applied": False}
                                            for r in rows[start:start + CHUNK]])
    counts: dict[str, int] = defaultdict(int)
    for r in rows:
        counts[r["kind"]] += 1
    batch.counts = dict(counts)
    batch.state = "ready"
    log_operation(session, user=user, action="import_preview", now=now, entity="import_batches",
                  record_id=batch.id, details={"file": batch.filename, "rows": len(rows),
                                               "counts": batch.counts})
    return batch


def _other_label(key: str | None) -> str:
    return {"grid": "所属网格", "village": "村(社区)", "township": "乡镇"}.get(key or "",
                                                                          "（不导入）")


# --- classification -------------------------------------------------------------------------

def load_vocab(session: Session) -> Dictionaries:
    return Dictionaries.from_entries(session.execute(
        select(DictEntry.dict_code, DictEntry.code, DictEntry.label).where(
            DictEntry.active.is_(True), DictEntry.deleted.is_(False))
        .order_by(DictEntry.dict_code, DictEntry.sort, DictEntry.code)).all())


def _grids(session: Session) -> tuple[dict[str, list[Grid]], dict[str, Grid]]:
    villages = dict(session.execute(select(OrgNode.id, OrgNode.name).where(
        OrgNode.level == "village", OrgNode.deleted.is_(False))).all())
    by_text: dict[str, list[Grid]] = defaultdict(list)
    by_id: dict[str, Grid] = {}
    for gid, name, code, path, parent in session.execute(select(
            OrgNode.id, OrgNode.name, OrgNode.code, OrgNode.path, OrgNode.parent_id).where(
            OrgNode.level == "grid", OrgNode.deleted.is_(False))):
        g = Grid(gid, name, code, path, villages.get(parent, ""))
        by_id[gid] = g
        by_text[normalise_name(name)].append(g)
        if code:
            by_text[normalise_name(code)].append(g)
    return by_text, by_id


def classify(session: Session, scope: Scope, ws: Any, table: Table, *,
             default_grid_id: str | None, today: dt.date,
             progress: Callable[[int, int], None] | None = None) -> list[dict[str, Any]]:
    """One dict per data row (ImportRow's columns), in sheet order."""
    cols = [c for c in table.columns if c.field in PERSON_KEYS and c.field != "seq"]
    if not any(c.field == "id_number" for c in cols):
        raise DomainError("import_no_id_column", value=table.sheet)
    grid_col = next((c for c in table.columns if c.field == "grid"), None)
    village_col = next((c for c in table.columns if c.field == "village"), None)
    vocab = load_vocab(session)
    by_text, by_id = _grids(session)
    default_grid = by_id.get(default_grid_id) if default_grid_id else None
    rows_wanted = set(table.data_rows)
    total = len(table.data_rows)
    out: list[dict[str, Any]] = []
    if not table.data_rows:
        return out
    used = [c.index for c in cols] + [c.index for c in (grid_col, village_col) if c]
    lo, hi = min(used), max(used)
    for n, (r, cells) in enumerate(row_values(ws, min(table.data_rows), max(table.data_rows),
                                              lo, hi)):
        if r not in rows_wanted:
            continue
        out.append(_read_row(r, cells, lo, cols, grid_col, village_col, vocab, by_text,
                             default_grid, scope, today))
        if progress and len(out) % 500 == 0:
            progress(min(len(out), total - 1), total)  # the register lookups follow
    _mark_duplicates(out)
    _match_register(session, scope, out, by_id, vocab)
    if progress:
        progress(total, total)
    for r in out:
        r.pop("_target", None)
        r.pop("_canon", None)
    return out


def _read_row(r: int, cells: tuple, lo: int, cols: list, grid_col: Any, village_col: Any,
              vocab: Dictionaries, by_text: dict[str, list[Grid]], default_grid: Grid | None,
              scope: Scope, today: dt.date) -> dict[str, Any]:
    problems: list[dict[str, Any]] = []
    values: dict[str, Any] = {}
    canon: dict[str, Any] = {}
    where: dict[str, tuple[int, str]] = {}
    for c in cols:
        raw = cells[c.index - lo]
        if is_blank(raw):
            continue
        key = c.field
        spec = PERSON_KEYS[key]
        where[key] = (c.index, c.header)
        if spec.kind == "id":
            # a number, or its scientific text, lost digits in Excel (the rest of the
            # number's checks are validate_person's, with their precise messages)
            if (not isinstance(raw, str) or "e" in raw or "E" in raw) \
                    and id_problem(raw) == "assistant_id_numeric":
                problems.append(_problem(c.index, c.header, message("assistant_id_numeric")))
                continue
            values[key] = re.sub(r"\s+", "", str(raw)).upper()
        elif spec.kind == "date":
            parsed = parse_cell(key, raw, vocab)
            if parsed is None:
                problems.append(_problem(c.index, c.header, message(
                    "date_invalid", label=spec.label, value=text_of(raw))))
                continue
            canon[key] = parsed
            if parsed[1] != MONTH:  # a month alone is checked against the ID number below
                values[key] = parsed[0]
        elif spec.kind == "dict":
            code = vocab.code(spec.dict_code, text_of(raw))
            if code is None:
                problems.append(_problem(c.index, c.header, message(
                    "not_in_dict", label=spec.label, value=text_of(raw))))
                continue
            values[key] = code
        elif spec.kind == "phone":
            values[key] = text_of(raw)
        else:
            values[key] = normalise_name(raw) if key == "name" else text_of(raw)
    for key in ("id_number", "name"):
        if key not in where:  # blank (a cell read but refused already has its problem)
            problems.append(_problem(None, PERSON_KEYS[key].label, message(
                "required", label=PERSON_KEYS[key].label)))
    if "id_number" in values:
        try:
            cleaned = validate_person(values, today=today)
        except ValidationErrors as errs:
            for e in errs.errors:
                col, header = where.get(e.field or "", (None, label_of(Person, e.field)
                                                        if e.field else ""))
                problems.append(_problem(col, header, e.message()))
        else:
            values = cleaned
            month = canon.get("birth_date")
            if month and month[1] == MONTH and (month[0].year, month[0].month) != (
                    cleaned["birth_date"].year, cleaned["birth_date"].month):
                col, header = where["birth_date"]
                problems.append(_problem(col, header, message(
                    "id_birth_mismatch", label="公民身份号码", birth=month[0].strftime("%Y-%m"),
                    expected=cleaned["birth_date"].isoformat())))
    target, grid_problem = _target_grid(cells, lo, grid_col, village_col, by_text,
                                        default_grid, scope)
    row = {"row_no": r, "kind": "invalid" if problems else "new",
           "name": str(values.get("name") or "")[:64] or None,
           "id_number": str(values.get("id_number") or "")[:32] or None,
           "person_id": None, "grid_id": target.id if target else None,
           "values": _jsonable(values), "changes": {}, "problems": problems,
           "decision": None, "reason": None, "_target": (target, grid_problem),
           "_canon": values}
    return row


def _target_grid(cells: tuple, lo: int, grid_col: Any, village_col: Any,
                 by_text: dict[str, list[Grid]], default_grid: Grid | None, scope: Scope
                 ) -> tuple[Grid | None, tuple[str, dict[str, Any]] | None]:
    """The grid a row names (its 所属网格 column, narrowed by 村(社区)), else the default grid;
    and, when it cannot be used, (class, problem)."""
    text = text_of(cells[grid_col.index - lo]) if grid_col else ""
    if not text:
        return default_grid, None
    found = by_text.get(normalise_name(text), [])
    village = text_of(cells[village_col.index - lo]) if village_col else ""
    if village:
        found = [g for g in found if normalise_name(g.village) == normalise_name(village)] \
            or found
    mine = [g for g in found if scope.contains_path(g.path)]
    if len(mine) == 1:
        return mine[0], None
    if len(mine) > 1:
        return None, ("invalid", _problem(grid_col.index, grid_col.header,
                                          message("import_grid_ambiguous", value=text)))
    if found:
        return None, ("out_of_scope", _problem(grid_col.index, grid_col.header,
                                               message("import_grid_out_of_scope", value=text)))
    return None, ("invalid", _problem(grid_col.index, grid_col.header,
                                      message("import_grid_unknown", value=text)))


def _mark_duplicates(rows: list[dict[str, Any]]) -> None:
    by_id: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        if r["id_number"] and r["kind"] != "invalid":
            by_id[r["id_number"]].append(r)
    for same_rows in by_id.values():
        if len(same_rows) > 1:
            nos = [r["row_no"] for r in same_rows]
            for r in same_rows:
                others = "、".join(str(n) for n in nos if n != r["row_no"])
                r["kind"] = "duplicate"
                r["problems"] = [_problem(None, "公民身份号码", message(
                    "import_duplicate_in_file", rows=others))]


def _match_register(session: Session, scope: Scope, rows: list[dict[str, Any]],
                    by_id: dict[str, Grid], vocab: Dictionaries) -> None:
    """Rows still `new`: a person the register already holds becomes update / unchanged /
    other_grid; an unknown person needs a usable grid."""
    todo = [r for r in rows if r["kind"] == "new"]
    known: dict[str, Person] = {}
    numbers = sorted({r["id_number"] for r in todo})
    for start in range(0, len(numbers), CHUNK):
        # stored normalised (validate_person: upper-case X), as the register's own
        # duplicate check compares them (common/rules.same_id_number)
        for p in session.scalars(select(Person).where(
                Person.id_number.in_(numbers[start:start + CHUNK]),
                Person.deleted.is_(False))):
            known[p.id_number] = p
    for r in todo:
        target, grid_problem = r["_target"]
        person = known.get(r["id_number"])
        if person is None:
            if grid_problem:
                r["kind"], problem = grid_problem
                r["problems"] = [problem]
            elif target is None:
                r["kind"] = "invalid"
                r["problems"] = [_problem(None, "所属网格", message("import_grid_missing"))]
            continue
        r["person_id"] = person.id
        here = by_id.get(person.grid_id)
        if here is None or not scope.contains_path(here.path):
            r["kind"] = "other_grid"
            r["problems"] = [_problem(None, "公民身份号码", message("import_person_elsewhere"))]
            continue
        if grid_problem and grid_problem[0] == "out_of_scope":
            r["kind"], problem = grid_problem
            r["problems"] = [problem]
            continue
        r["grid_id"] = person.grid_id
        changes = {}
        for key, value in r["_canon"].items():
            if key in ("id_number",):
                continue
            old = getattr(person, key)
            if not _same(key, value, old, vocab):
                changes[key] = [_shown(key, old, vocab), _shown(key, value, vocab)]
        r["values"] = {k: v for k, v in r["values"].items() if k in changes}
        if target is not None and target.id != person.grid_id:
            # Written as any edit of the grid is: a transfer the receiving grid approves
            # (services/workflows.file_transfer); the person stays until then.
            changes["grid_id"] = [here.name, f"{target.name}{TRANSFER_NOTE}"]
            r["values"]["grid_id"] = target.id
        r["changes"] = changes
        r["kind"] = "update" if changes else "unchanged"


def _same(key: str, value: Any, old: Any, vocab: Dictionaries) -> bool:
    kind = PERSON_KEYS[key].kind
    if kind == "date":
        return value == old
    if kind == "phone":
        return same(key, parse_cell(key, value, vocab), old, vocab)
    return same(key, value, old, vocab)


def _shown(key: str, value: Any, vocab: Dictionaries) -> str:
    if value is None or value == "":
        return "（空）"
    spec = PERSON_KEYS[key]
    if spec.kind == "dict":
        return vocab.label(spec.dict_code, value) or str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in values.items()}


def _from_json(values: dict[str, Any]) -> dict[str, Any]:
    out = dict(values)
    if isinstance(out.get("birth_date"), str):
        out["birth_date"] = dt.date.fromisoformat(out["birth_date"])
    return out


# --- reading a batch ------------------------------------------------------------------------

def batch_for(session: Session, scope: Scope, batch_id: str) -> ImportBatch:
    """A batch the user may see: uploaded inside their scope (else not_found)."""
    batch = session.get(ImportBatch, batch_id)
    if batch is None or not scope.contains_path(batch.node_path):
        raise DomainError("not_found", entity="import_batches")
    return batch


def list_batches(session: Session, scope: Scope, *, states: tuple[str, ...] | None = None,
                 uploader_id: str | None = None, limit: int = 100) -> list[ImportBatch]:
    if scope.empty:
        return []
    q = select(ImportBatch).where(ImportBatch.node_path.startswith(scope.path, autoescape=True),
                                  ImportBatch.state != "previewing")
    if states:
        q = q.where(ImportBatch.state.in_(states))
    if uploader_id:
        q = q.where(ImportBatch.uploader_id == uploader_id)
    return list(session.scalars(q.order_by(ImportBatch.created_at.desc()).limit(limit)))


def batch_rows(session: Session, batch: ImportBatch, *, kind: str | None = None,
               limit: int = 50, offset: int = 0) -> tuple[list[ImportRow], int]:
    conds = [ImportRow.batch_id == batch.id]
    if kind:
        conds.append(ImportRow.kind == kind)
    total = session.scalar(select(func.count()).select_from(ImportRow).where(*conds)) or 0
    rows = session.scalars(select(ImportRow).where(*conds).order_by(ImportRow.row_no)
                           .limit(limit).offset(offset)).all()
    return list(rows), total


def may_review(user: User, scope: Scope, batch: ImportBatch) -> bool:
    """The level above the uploader, or a county admin; never the uploader."""
    if user.id == batch.uploader_id or scope.empty:
        return False
    if not batch.node_path.startswith(scope.path):
        return False
    return scope.path != batch.node_path or user.role == "county_admin"


def waiting_for_review(session: Session, user: User, scope: Scope) -> list[ImportBatch]:
    """Submitted batches this user may decide (the home page's work items)."""
    return [b for b in list_batches(session, scope, states=("submitted",), limit=1000)
            if may_review(user, scope, b)]


# --- submit and review ----------------------------------------------------------------------

def submit(session: Session, scope: Scope, user: User, batch_id: str, *,
           now: dt.datetime) -> ImportBatch:
    batch = batch_for(session, scope, batch_id)
    if batch.uploader_id != user.id:
        raise DomainError("forbidden")
    if batch.state != "ready":
        raise DomainError("import_state", state=STATES.get(batch.state, batch.state))
    if not sum(batch.counts.get(k, 0) for k in IMPORTABLE):
        raise DomainError("import_nothing")
    batch.state, batch.submitted_at = "submitted", now
    log_operation(session, user=user, action="import_submit", now=now, entity="import_batches",
                  record_id=batch.id, details={"file": batch.filename})
    return batch


def review(session: Session, scope: Scope, reviewer: User, batch_id: str, *, decision: str,
           approved_rows: set[int] | None = None, reason: str = "", now: dt.datetime
           ) -> ImportBatch:
    """Approve `all`, `some` (the row ids in `approved_rows`), all `except` the row ids in
    `approved_rows` (a long batch with a few bad rows), or `none` of the batch's new and
    update rows; refused rows keep `reason` (required when any row is refused). Approved rows
    are written through services/records as the uploader, inside the caller's transaction: a
    row the register refuses now raises `import_row_failed` and nothing is written."""
    batch = batch_for(session, scope, batch_id)
    # one review per batch: a second reviewer at the same moment waits here, then finds the
    # batch reviewed (PostgreSQL row lock; SQLite writers are already one at a time)
    session.refresh(batch, with_for_update=True)
    if not may_review(reviewer, scope, batch):
        raise DomainError("import_not_reviewer")
    if batch.state != "submitted":
        raise DomainError("import_state", state=STATES.get(batch.state, batch.state))
    if decision not in ("all", "some", "except", "none"):
        raise ValidationErrors([ValidationError("import_decision", "decision")])
    rows = list(session.scalars(select(ImportRow).where(
        ImportRow.batch_id == batch.id, ImportRow.kind.in_(IMPORTABLE))
        .order_by(ImportRow.row_no)))
    marked = approved_rows or set()
    chosen = {r.id for r in rows if decision == "all" or decision == "some" and r.id in marked
              or decision == "except" and r.id not in marked}
    if decision in ("some", "except") and not (marked & {r.id for r in rows}):
        raise ValidationErrors([ValidationError("import_none_chosen", "rows")])
    reason = (reason or "").strip()
    if len(chosen) < len(rows) and not reason:
        raise ValidationErrors([ValidationError("required", "reason", label="不通过的理由")])
    uploader = session.get(User, batch.uploader_id)
    if uploader is None:
        raise DomainError("not_found", entity="users")
    uploader_scope = Scope.of(session, uploader)
    source_base = {"kind": "import", "batch": batch.id, "file": batch.filename,
                   "uploader": batch.uploader_name,
                   "reviewer": reviewer.display_name or reviewer.username}
    written = 0
    for r in rows:
        if r.id not in chosen:
            r.decision, r.reason = "refused", reason
            continue
        r.decision = "approved"
        source = {**source_base, "row": r.row_no}
        try:
            values = _from_json(r.values)
            if r.kind == "new":
                person = create_record(session, uploader_scope, uploader, Person,
                                       {**values, "grid_id": r.grid_id}, now=now, source=source)
                r.person_id = person.id
            elif values:
                update_record(session, uploader_scope, uploader, Person, r.person_id, values,
                              now=now, source=source)
        except DomainError as err:
            raise DomainError("import_row_failed", row=r.row_no, reason=err.message()) from err
        r.applied = True
        written += 1
    batch.state = "approved" if len(chosen) == len(rows) else \
        "refused" if not chosen else "partly_approved"
    batch.reviewer_id = reviewer.id
    batch.reviewer_name = reviewer.display_name or reviewer.username
    batch.reviewed_at, batch.review_note = now, reason or None
    log_operation(session, user=reviewer, action="import_review", now=now,
                  entity="import_batches", record_id=batch.id,
                  details={"file": batch.filename, "state": batch.state, "written": written,
                           "refused": len(rows) - len(chosen)})
    return batch


__all__ = ["IMPORTABLE", "KINDS", "STATES", "batch_for", "batch_rows", "check_upload",
           "classify", "grids_in_scope", "list_batches", "may_review", "preview", "review",
           "submit"]
