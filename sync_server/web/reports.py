"""报表管理 (/admin/reports): the user's shares to fill and to review, the reports; the designer
(/new); a report's consolidated table for a period with each township's and grid's progress,
giving it to townships or grids, the styled xlsx; a share's page (/submissions/<id>) where its
place fills and submits it and the level above approves or returns it.
Thin: services/reports.py holds the rules; the request's session owns the transaction."""
from __future__ import annotations

import io
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from common.errors import DomainError

from ..api.deps import NowDep
from ..api.errors import status_of
from ..services import reports as svc
from .deps import (FormDep, PageSession, WebScopeDep, WebUserDep, errors_of, page_permission,
                   render)
from .exports import XLSX, _attachment

router = APIRouter(prefix="/admin/reports", include_in_schema=False,
                   dependencies=[page_permission("web:reports")])
SLOTS = 8
FILTER_SLOTS = 3
SLOT_KEYS = ("label", "group", "kind", "filter", "ledger", "format")


@router.get("")
def reports_page(request: Request, session: PageSession, signed: WebUserDep,
                 scope: WebScopeDep) -> Response:
    mine, to_review = svc.inbox(session, scope)
    titles = {r.id: r.title for r in svc.reports_in(session, scope)}
    return render(request, "reports.html", title="报表管理", rows=svc.reports_in(session, scope),
                  mine=mine, to_review=to_review, titles=titles, status=svc.STATUS,
                  frequencies=svc.FREQUENCIES, rows_label=svc.rows_label,
                  names=_names(session, [*mine, *to_review]),
                  may_design=signed.user.role in svc.DEFINERS)


def _names(session: PageSession, subs: list[Any]) -> dict[str, str]:
    return svc.place_names(session, [s.node_id for s in subs])


def _designer(request: Request, session: PageSession, *, values: dict[str, Any] | None = None,
              errors: dict[str, str] | None = None, status_code: int = 200) -> Response:
    return render(request, "report_design.html", status_code=status_code, title="设计报表",
                  rows_choices=list(svc.ROW_CHOICES.items()),
                  frequencies=list(svc.FREQUENCIES.items()), kinds=list(svc.KINDS.items()),
                  formats=list(svc.FORMATS.items()), filters=svc.filter_choices(session),
                  ledgers=svc.ledger_choices(session),
                  values=values or {"rows": "township", "frequency": "month",
                                    "filters": [""] * FILTER_SLOTS,
                                    "slots": [{} for _ in range(SLOTS)]},
                  errors=errors or {})


@router.get("/new")
def design_page(request: Request, session: PageSession, signed: WebUserDep,
                scope: WebScopeDep) -> Response:
    """The designer, empty or (?from=<report id>) starting from an existing report."""
    if signed.user.role not in svc.DEFINERS:
        raise DomainError("forbidden")
    source = str(request.query_params.get("from") or "")[:36]
    values = svc.form_of(svc.get_report(session, scope, source), SLOTS, FILTER_SLOTS) \
        if source else None
    return _designer(request, session, values=values)


@router.post("/new")
def design(request: Request, session: PageSession, signed: WebUserDep, scope: WebScopeDep,
           now: NowDep, form: FormDep) -> Response:
    slots = [{k: str(form.get(f"{k}{i}") or "")[:64] for k in SLOT_KEYS}
             for i in range(1, svc.MAX_COLUMNS + 1)]
    while len(slots) > SLOTS and not any(slots[-1].values()):
        slots.pop()
    filters = [str(form.get(f"filter_all{i}") or "")[:64] for i in range(1, FILTER_SLOTS + 1)]
    values = {"title": str(form.get("title") or "")[:120], "rows": str(form.get("rows") or ""),
              "frequency": str(form.get("frequency") or ""), "filters": filters,
              "slots": slots}
    try:
        row = svc.define_report(session, scope, signed.user, title=values["title"],
                                rows=values["rows"], frequency=values["frequency"],
                                filters=svc.filters_from_form(filters),
                                columns=svc.columns_from_form(slots), now=now)
    except DomainError as err:
        return _designer(request, session, values=values, errors=errors_of(err),
                         status_code=status_of(err))
    return RedirectResponse(f"/admin/reports/{row.id}", status_code=303)


def _report_page(request: Request, session: PageSession, scope: WebScopeDep, signed: Any,
                 report_id: str, *, period: str = "", errors: dict[str, str] | None = None,
                 status_code: int = 200) -> Response:
    report = svc.get_report(session, scope, report_id)
    periods = svc.periods(session, scope, report)
    period = period or (periods[0] if periods else "")
    header, rows = svc.table(session, scope, report, period=period or None)
    targets: list[tuple[Any, list[Any]]] = []  # (township or None, its grids)
    if signed.user.role in svc.DEFINERS and scope.contains_path(report.node_path):
        for node in svc.assignable(session, scope, report):
            if node.level == "township" or not targets \
                    or not node.path.startswith(targets[-1][0].path if targets[-1][0] else "/"):
                targets.append((node, []) if node.level == "township" else (None, [node]))
            else:
                targets[-1][1].append(node)
    return render(request, "report.html", status_code=status_code, title=report.title,
                  report=report, header=header, rows=rows,
                  totals=svc.totals(report, rows) if rows else None,
                  spans=svc.header_rows(report), period=period, periods=periods,
                  progress=svc.progress(session, scope, report, period) if period else [],
                  status=svc.STATUS, errors=errors or {}, targets=targets,
                  frequency=svc.FREQUENCIES.get(report.frequency or "month"),
                  levels=svc.ROW_LEVELS, own_node=scope.node_id,
                  may_delete=signed.user.role in svc.DEFINERS
                  and scope.contains_path(report.node_path),
                  standing=svc.place_names(session, list(report.standing or [])))


@router.get("/{report_id}")
def report_page(request: Request, report_id: str, session: PageSession, signed: WebUserDep,
                scope: WebScopeDep) -> Response:
    period = str(request.query_params.get("period") or "")[:16].strip().upper()
    return _report_page(request, session, scope, signed, report_id, period=period)


@router.post("/{report_id}/assign")
def assign(request: Request, report_id: str, session: PageSession, signed: WebUserDep,
           scope: WebScopeDep, now: NowDep, form: FormDep) -> Response:
    report = svc.get_report(session, scope, report_id)
    period = str(form.get("period") or "")[:16]
    try:
        svc.assign(session, scope, signed.user, report,
                   node_ids=[str(x) for x in form.getlist("assignees")][:500],
                   period=period, now=now, standing=form.get("standing") == "1")
    except DomainError as err:
        return _report_page(request, session, scope, signed, report_id, errors=errors_of(err),
                            status_code=status_of(err))
    return RedirectResponse(f"/admin/reports/{report.id}?period={period.strip().upper()}",
                            status_code=303)


@router.post("/{report_id}/delete")
def delete(request: Request, report_id: str, session: PageSession, signed: WebUserDep,
           scope: WebScopeDep, now: NowDep) -> Response:
    report = svc.get_report(session, scope, report_id)
    try:
        svc.delete_report(session, scope, signed.user, report, now=now)
    except DomainError as err:
        return _report_page(request, session, scope, signed, report_id, errors=errors_of(err),
                            status_code=status_of(err))
    return RedirectResponse("/admin/reports", status_code=303)


@router.post("/{report_id}/standing/stop")
def stop_standing(report_id: str, session: PageSession, signed: WebUserDep, scope: WebScopeDep,
                  now: NowDep) -> Response:
    report = svc.get_report(session, scope, report_id)
    svc.stop_standing(session, scope, signed.user, report, now=now)
    return RedirectResponse(f"/admin/reports/{report.id}", status_code=303)


@router.post("/{report_id}/export")
def export(report_id: str, session: PageSession, signed: WebUserDep, scope: WebScopeDep,
           now: NowDep, form: FormDep) -> Response:
    report = svc.get_report(session, scope, report_id)
    period = str(form.get("period") or "")[:16].strip().upper() or None
    out = io.BytesIO()
    svc.write_xlsx(session, scope, signed.user, report, out, period=period, now=now)
    name = f"{report.title}-{period or now.date().isoformat()}.xlsx"
    return Response(out.getvalue(), media_type=XLSX, headers=_attachment(name))


def _share_page(request: Request, session: PageSession, scope: WebScopeDep, submission_id: str,
                *, raw: dict[str, dict[str, str]] | None = None,
                errors: dict[str, str] | None = None, status_code: int = 200) -> Response:
    sub = svc.get_submission(session, scope, submission_id)
    report = svc.get_report(session, scope, sub.report_id)
    kids = svc.children(session, sub)
    rows = svc.rows_of(session, report, sub.node_path)
    cells = svc.figures(session, report, sub)
    editable = (sub.status in ("assigned", "returned") and scope.node_id == sub.node_id)
    shown = raw if raw is not None else {k: {c: "" if v is None else str(v)
                                             for c, v in row.items()}
                                         for k, row in cells.items()}
    names = _names(session, [sub, *kids])
    return render(request, "report_fill.html", status_code=status_code, title=report.title,
                  report=report, sub=sub, rows=rows, cells=cells, shown=shown,
                  status=svc.STATUS, errors=errors or {}, editable=editable and not kids,
                  may_submit=editable, kids=kids, names=names, own=scope.node_id == sub.node_id,
                  kid_review={k.id: svc.may_review(session, scope, k) for k in kids},
                  may_review=svc.may_review(session, scope, sub) and sub.status == "submitted",
                  totals=svc.totals(report, [[n, *(cells.get(k, {}).get(c["key"])
                                                   for c in report.columns)]
                                             for k, n in rows]) if rows else None)


@router.get("/submissions/{submission_id}")
def share_page(request: Request, submission_id: str, session: PageSession,
               signed: WebUserDep, scope: WebScopeDep) -> Response:
    return _share_page(request, session, scope, submission_id)


@router.post("/submissions/{submission_id}")
def fill(request: Request, submission_id: str, session: PageSession, signed: WebUserDep,
         scope: WebScopeDep, now: NowDep, form: FormDep) -> Response:
    sub = svc.get_submission(session, scope, submission_id)
    raw: dict[str, dict[str, str]] = {}
    for key, value in form.multi_items():
        if key.startswith("v:"):
            row_key, _, col = key[2:].partition(":")
            raw.setdefault(row_key, {})[col] = str(value)[:32]
    try:
        svc.fill(session, scope, signed.user, sub, raw, submit=form.get("action") == "submit",
                 now=now)
    except DomainError as err:
        return _share_page(request, session, scope, submission_id, raw=raw,
                           errors=errors_of(err), status_code=status_of(err))
    return RedirectResponse(f"/admin/reports/submissions/{sub.id}", status_code=303)


@router.post("/submissions/{submission_id}/review")
def review(request: Request, submission_id: str, session: PageSession, signed: WebUserDep,
           scope: WebScopeDep, now: NowDep, form: FormDep) -> Response:
    sub = svc.get_submission(session, scope, submission_id)
    try:
        svc.review(session, scope, signed.user, sub, approve=form.get("action") == "approve",
                   note=str(form.get("note") or "")[:400], now=now)
    except DomainError as err:
        return _share_page(request, session, scope, submission_id, errors=errors_of(err),
                           status_code=status_of(err))
    if sub.parent_id:  # the township goes back to its own share, listing its grids
        return RedirectResponse(f"/admin/reports/submissions/{sub.parent_id}", status_code=303)
    return RedirectResponse(f"/admin/reports/{sub.report_id}?period={sub.period}",
                            status_code=303)
