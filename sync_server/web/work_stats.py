"""Cadre work statistics (/admin/work-stats, 干部工作统计): visits, work logs and data upkeep
per person or area, per day, week or month (services/work_stats), with a logged xlsx export."""
from __future__ import annotations

import datetime as dt
import io
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from common.errors import DomainError

from ..api.deps import NowDep
from ..api.errors import status_of
from ..services import work_stats as svc
from ..services.oplog import BEIJING
from .deps import FormDep, PageSession, WebScopeDep, WebUserDep, page_permission, render
from .exports import XLSX, _attachment

router = APIRouter(prefix="/admin/work-stats", include_in_schema=False,
                   dependencies=[page_permission("web:work_stats")])
LABELS = {"since": "开始日期", "until": "结束日期"}


def _params(values: Any, now: dt.datetime) -> tuple[dict[str, str], dict[str, Any], dict[str, str]]:
    """The form's values as typed, as read, and a message per bad field."""
    today = now.replace(tzinfo=dt.UTC).astimezone(BEIJING).date()
    raw = {"since": (values.get("since") or (today - dt.timedelta(days=29)).isoformat()),
           "until": (values.get("until") or today.isoformat()),
           "period": values.get("period") or "day", "group": values.get("group") or "person"}
    raw = {k: str(v).strip()[:32] for k, v in raw.items()}
    errors: dict[str, str] = {}
    read: dict[str, Any] = {"period": raw["period"], "group": raw["group"]}
    for key, label in LABELS.items():
        try:
            read[key] = dt.date.fromisoformat(raw[key])
        except ValueError:
            errors[key] = DomainError("date_invalid", label=label, value=raw[key]).message()
    return raw, read, errors


def _table(session, scope, read: dict[str, Any], errors: dict[str, str]
           ) -> tuple[list[svc.StatsRow], int]:
    if errors:
        return [], 422
    try:
        return svc.work_stats(session, scope, **read), 200
    except DomainError as err:
        errors[err.field or "since"] = err.message()
        return [], status_of(err)


@router.get("")
def stats_page(request: Request, session: PageSession, signed: WebUserDep,
               scope: WebScopeDep, now: NowDep) -> Response:
    raw, read, errors = _params(request.query_params, now)
    rows, status = _table(session, scope, read, errors)
    return render(request, "work_stats.html", status_code=status, title="干部工作统计", q=raw,
                  rows=rows, errors=errors, periods=svc.PERIODS, groups=svc.GROUPS,
                  measures=svc.MEASURES,
                  totals={k: sum(r.counts[k] for r in rows) for k, _ in svc.MEASURES})


@router.post("/export")
def stats_export(request: Request, session: PageSession, signed: WebUserDep,
                 scope: WebScopeDep, now: NowDep, form: FormDep) -> Response:
    """The same table as xlsx (in the operation log)."""
    raw, read, errors = _params(form, now)
    rows, status = _table(session, scope, read, errors)
    if errors:
        return render(request, "work_stats.html", status_code=status, title="干部工作统计",
                      q=raw, rows=[], errors=errors, periods=svc.PERIODS, groups=svc.GROUPS,
                      measures=svc.MEASURES, totals={})
    out = io.BytesIO()
    svc.write_stats_xlsx(session, signed.user, rows, out, now=now, params=raw)
    name = f"干部工作统计-{now:%Y%m%d-%H%M}.xlsx"
    return Response(out.getvalue(), media_type=XLSX, headers=_attachment(name))
