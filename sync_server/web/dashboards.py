"""统计看板 (/admin/dashboards): the 接诉即办 and visit figures of the user's county or township
for this week, this month or custom dates, drawn with the vendored ECharts
(static/dashboards.js reads /admin/dashboards/data.json); each chart's data exports as xlsx
(in the operation log). Thin: services/dashboards counts."""
from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from common.errors import DomainError

from ..api.deps import NowDep
from ..api.errors import status_of
from ..services import dashboards as svc
from ..services.briefings import today_of
from ..services.dashboard import chart_xlsx
from ..services.oplog import log_operation
from .deps import FormDep, PageSession, WebScopeDep, WebUserDep, errors_of, page_permission, render
from .exports import XLSX, _attachment

router = APIRouter(prefix="/admin/dashboards", include_in_schema=False,
                   dependencies=[page_permission("web:dashboards")])


def _values(source: Any) -> dict[str, str]:
    values = {k: str(source.get(k) or "").strip()[:32] for k in ("period", "since", "until")}
    values["period"] = values["period"] or "week"
    return values


def _period(values: dict[str, str], now: dt.datetime) -> svc.Period:
    return svc.parse_period(values["period"], values["since"], values["until"], today_of(now))


@router.get("")
def dashboards_page(request: Request, session: PageSession, signed: WebUserDep,
                    scope: WebScopeDep, now: NowDep) -> Response:
    values = _values(request.query_params)
    errors: dict[str, str] = {}
    status_code = 200
    try:
        period = _period(values, now)
        node_name = svc.briefing_node(session, scope).name
    except DomainError as err:
        errors, status_code, period, node_name = errors_of(err), status_of(err), None, ""
    if period is not None and values["period"] != "custom":
        values["since"], values["until"] = period.since.isoformat(), period.until.isoformat()
    return render(request, "dashboards.html", status_code=status_code, title="统计看板",
                  node_name=node_name, values=values, errors=errors,
                  periods=list(svc.PERIODS.items()), period=period)


@router.get("/data.json")
def data(request: Request, session: PageSession, signed: WebUserDep, scope: WebScopeDep,
         now: NowDep) -> Response:
    try:
        period = _period(_values(request.query_params), now)
        body = svc.figures(session, scope, period, today_of(now))
    except DomainError as err:
        return JSONResponse({"errors": errors_of(err)}, status_code=status_of(err))
    return JSONResponse(body)


@router.post("/export")
def export(request: Request, session: PageSession, signed: WebUserDep, scope: WebScopeDep,
           now: NowDep, form: FormDep) -> Response:
    """One chart's data as xlsx (the operation log records it)."""
    values = _values(form)
    try:
        period = _period(values, now)
    except DomainError as err:
        return JSONResponse({"errors": errors_of(err)}, status_code=status_of(err))
    body = svc.figures(session, scope, period, today_of(now))
    chart = next((c for c in body["charts"] if c["id"] == form.get("chart")), None)
    if chart is None:
        raise DomainError("not_found")
    title = f"{chart['title']}（{period.label}）"
    data = chart_xlsx(body["node"]["name"], {**chart, "title": title})
    log_operation(session, user=signed.user, action="export", now=now, entity="dashboards",
                  record_id=body["node"]["id"],
                  details={"chart": chart["id"], "since": period.since.isoformat(),
                           "until": period.until.isoformat()})
    name = f"统计看板-{chart['id']}-{period.since:%Y%m%d}-{period.until:%Y%m%d}.xlsx"
    return Response(data, media_type=XLSX, headers=_attachment(name))
