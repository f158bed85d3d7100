"""The operation log (/admin/op-log, 操作明细): who did what to which record, when and where,
including the desktop clients' reveals and exports; searchable, paged, within the scope."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from common.errors import DomainError
from common.schema import ENTITIES

from ..services import admin
from ..services.oplog import ACTION_LABELS, day_start, shown_time
from .deps import PageSession, WebScopeDep, WebUserDep, page_permission, render
from .lists import ListPage, page_and_size

router = APIRouter(prefix="/admin/op-log", include_in_schema=False,
                   dependencies=[page_permission("web:op_log")])
ENTITY_LABELS = {name: e.__label__ or name for name, e in ENTITIES.items()}
FIELDS = ("user", "action", "entity", "record_id", "since", "until", "place")


@dataclass(frozen=True)
class LogQuery:
    """The search form as the query string carries it, with the pager's page and size."""

    values: dict[str, str]
    page: int = 1
    size: int = 20

    @classmethod
    def parse(cls, params: Any) -> "LogQuery":
        values = {k: (params.get(k) or "").strip()[:64] for k in FIELDS}
        return cls({k: v for k, v in values.items() if v}, *page_and_size(params))

    def link(self, **changes: Any) -> str:
        state: dict[str, Any] = {**self.values, "page": self.page, "size": self.size}
        state.update(changes)
        return "?" + urlencode({k: v for k, v in state.items() if v not in ("", None)})

    def days(self) -> tuple[dict[str, str], dt.datetime | None, dt.datetime | None]:
        """The time range as stored times (the until day included), and a message per bad
        field."""
        errors: dict[str, str] = {}
        out: dict[str, dt.datetime | None] = {"since": None, "until": None}
        for key, label in (("since", "开始日期"), ("until", "结束日期")):
            raw = self.values.get(key)
            if not raw:
                continue
            try:
                day = dt.date.fromisoformat(raw)
            except ValueError:
                errors[key] = DomainError("date_invalid", label=label, value=raw).message()
                continue
            out[key] = day_start(day + dt.timedelta(days=1 if key == "until" else 0))
        if out["since"] and out["until"] and out["since"] >= out["until"]:
            errors["until"] = "结束日期不能早于开始日期"
        return errors, out["since"], out["until"]


@router.get("")
def op_log(request: Request, session: PageSession, signed: WebUserDep,
           scope: WebScopeDep) -> Response:
    query = LogQuery.parse(request.query_params)
    errors, since, until = query.days()
    rows: list[dict[str, Any]] = []
    total = 0
    if not errors:
        found, total = admin.list_operations(
            session, scope, limit=query.size, offset=(query.page - 1) * query.size,
            action=query.values.get("action"), entity=query.values.get("entity"),
            record_id=query.values.get("record_id"), user_q=query.values.get("user"),
            since=since, until=until, place_id=query.values.get("place"))
        rows = [_row(r) for r in found]
    page = ListPage(rows, total, query)  # type: ignore[arg-type] - LogQuery pages alike
    places = [(n.id, n.name, n.path.count("/")) for n in admin.places(session, scope)]
    name = "_op_log_table.html" if request.headers.get("hx-request") and not errors \
        else "op_log.html"
    return render(request, name, status_code=422 if errors else 200, title="操作明细",
                  page=page, q=query.values, errors=errors, actions=ACTION_LABELS,
                  entities=ENTITY_LABELS, places=places)


def _row(r: Any) -> dict[str, Any]:
    details = r.details or {}
    detail = "、".join(f"{k}：{v}" for k, v in details.items() if k != "source")
    return {"at": shown_time(r.at), "user": r.username or "",
            "action": ACTION_LABELS.get(r.action, r.action),
            "entity": ENTITY_LABELS.get(r.entity or "", r.entity or ""),
            "record_id": r.record_id or "", "detail": detail,
            "source": "客户端" if r.device_id else "服务器"}
