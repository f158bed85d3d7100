"""报表管理 (/admin/reports): define a report, give it to townships for a period, a township
fills its free columns and submits, the county approves or returns, the consolidated xlsx.
Thin: services/reports.py holds the rules; the request's session owns the transaction."""
from __future__ import annotations

import datetime as dt
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


def _list_page(request: Request, session: PageSession, scope: WebScopeDep, *,
               values: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
               status_code: int = 200) -> Response:
    return render(request, "reports.html", status_code=status_code, title="报表管理",
                  rows=svc.reports_in(session, scope), levels=list(svc.ROW_LEVELS.items()),
                  kinds=list(svc.KINDS.items()), filters=svc.filter_choices(session),
                  ledgers=svc.ledger_choices(session),
                  values=values or {"row_level": "township",
                                    "slots": [{} for _ in range(SLOTS)]},
                  errors=errors or {})


@router.get("")
def reports_page(request: Request, session: PageSession, signed: WebUserDep,
                 scope: WebScopeDep) -> Response:
    return _list_page(request, session, scope)


@router.post("")
def define(request: Request, session: PageSession, signed: WebUserDep, scope: WebScopeDep,
           now: NowDep, form: FormDep) -> Response:
    slots = [{k: str(form.get(f"{k}{i}") or "")[:64] for k in ("label", "kind", "filter",
                                                                "ledger")}
             for i in range(1, SLOTS + 1)]
    values = {"title": str(form.get("title") or "")[:120],
              "row_level": str(form.get("row_level") or ""), "slots": slots}
    try:
        row = svc.define_report(session, scope, signed.user, title=values["title"],
                                row_level=values["row_level"],
                                columns=svc.columns_from_form(slots), now=now)
    except DomainError as err:
        return _list_page(request, session, scope, values=values, errors=errors_of(err),
                          status_code=status_of(err))
    return RedirectResponse(f"/admin/reports/{row.id}", status_code=303)


def _report_page(request: Request, session: PageSession, scope: WebScopeDep, signed: Any,
                 report_id: str, *, period: str = "", errors: dict[str, str] | None = None,
                 status_code: int = 200) -> Response:
    report = svc.get_report(session, scope, report_id)
    subs = svc.submissions(session, scope, report)
    period = period or (subs[0].period if subs else "")
    header, rows = svc.table(session, scope, report, period=period or None)
    names = {n.id: n.name for n in svc.townships(session, scope, report)}
    return render(request, "report.html", status_code=status_code, title=report.title,
                  report=report, header=header, rows=rows, period=period, subs=subs,
                  names=names, status=svc.STATUS, errors=errors or {},
                  may_assign=signed.user.role in svc.DEFINERS and bool(names),
                  may_review=signed.user.role == "county_admin",
                  own_node=scope.node_id)


@router.get("/{report_id}")
def report_page(request: Request, report_id: str, session: PageSession, signed: WebUserDep,
                scope: WebScopeDep) -> Response:
    period = str(request.query_params.get("period") or "")[:16]
    return _report_page(request, session, scope, signed, report_id, period=period)


@router.post("/{report_id}/assign")
def assign(request: Request, report_id: str, session: PageSession, signed: WebUserDep,
           scope: WebScopeDep, now: NowDep, form: FormDep) -> Response:
    report = svc.get_report(session, scope, report_id)
    period = str(form.get("period") or "")[:16]
    try:
        svc.assign(session, scope, signed.user, report,
                   township_ids=[str(x) for x in form.getlist("townships")][:200],
                   period=period, now=now)
    except DomainError as err:
        return _report_page(request, session, scope, signed, report_id, errors=errors_of(err),
                            status_code=status_of(err))
    return RedirectResponse(f"/admin/reports/{report.id}?period={period.strip().upper()}",
                            status_code=303)


@router.post("/{report_id}/export")
def export(report_id: str, session: PageSession, signed: WebUserDep, scope: WebScopeDep,
           now: NowDep, form: FormDep) -> Response:
    report = svc.get_report(session, scope, report_id)
    period = str(form.get("period") or "")[:16] or None
    out = io.BytesIO()
    svc.write_xlsx(session, scope, signed.user, report, out, period=period, now=now)
    name = f"{report.title}-{period or dt.date.today().isoformat()}.xlsx"
    return Response(out.getvalue(), media_type=XLSX, headers=_attachment(name))


def _fill_page(request: Request, session: PageSession, scope: WebScopeDep, submission_id: str,
               *, raw: dict[str, dict[str, str]] | None = None,
               errors: dict[str, str] | None = None, status_code: int = 200) -> Response:
    sub = svc.get_submission(session, scope, submission_id)
    report = svc.get_report(session, scope, sub.report_id)
    nodes = svc.row_nodes(session, report, sub.node_path)
    computed = svc.compute(session, report, nodes)
    shown = raw if raw is not None else {k: {c: "" if v is None else str(v)
                                             for c, v in row.items()}
                                         for k, row in (sub.values or {}).items()}
    return render(request, "report_fill.html", status_code=status_code, title=report.title,
                  report=report, sub=sub, nodes=nodes, computed=computed, shown=shown,
                  status=svc.STATUS, errors=errors or {},
                  editable=sub.status in ("assigned", "returned") and scope.node_id == sub.node_id)


@router.get("/submissions/{submission_id}")
def fill_page(request: Request, submission_id: str, session: PageSession, signed: WebUserDep,
              scope: WebScopeDep) -> Response:
    return _fill_page(request, session, scope, submission_id)


@router.post("/submissions/{submission_id}")
def fill(request: Request, submission_id: str, session: PageSession, signed: WebUserDep,
         scope: WebScopeDep, now: NowDep, form: FormDep) -> Response:
    sub = svc.get_submission(session, scope, submission_id)
    raw: dict[str, dict[str, str]] = {}
    for key, value in form.multi_items():
        if key.startswith("v:"):
            node_id, _, col = key[2:].partition(":")
            raw.setdefault(node_id, {})[col] = str(value)[:32]
    try:
        svc.fill(session, scope, signed.user, sub, raw, submit=form.get("action") == "submit",
                 now=now)
    except DomainError as err:
        return _fill_page(request, session, scope, submission_id, raw=raw, errors=errors_of(err),
                          status_code=status_of(err))
    return RedirectResponse(f"/admin/reports/submissions/{sub.id}", status_code=303)


@router.post("/submissions/{submission_id}/review")
def review(request: Request, submission_id: str, session: PageSession, signed: WebUserDep,
           scope: WebScopeDep, now: NowDep, form: FormDep) -> Response:
    sub = svc.get_submission(session, scope, submission_id)
    try:
        svc.review(session, scope, signed.user, sub, approve=form.get("action") == "approve",
                   note=str(form.get("note") or "")[:200], now=now)
    except DomainError as err:
        return _report_page(request, session, scope, signed, sub.report_id,
                            period=sub.period, errors=errors_of(err), status_code=status_of(err))
    return RedirectResponse(f"/admin/reports/{sub.report_id}?period={sub.period}",
                            status_code=303)
