"""态势一张图 (/admin/map): the org tree's boundaries and the places' points on a vendored Leaflet
map, drilled down by clicking (county → township → village → grid → building → house →
residents), with the population and buildings panels (vendored ECharts) following the selection;
and the boundary editor (/admin/map/boundary/<node>). Reads go through services/dashboard and
services/geo; a boundary is written through services/records like every other write."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode, urlparse

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from common.errors import DomainError, ValidationErrors
from common.schema import Building, House, OrgNode, Person

from ..api.deps import NowDep
from ..api.errors import status_of
from ..db.engine import unit_of_work
from ..services import dashboard, geo, records
from ..services.dictionary_admin import list_entries
from ..services.oplog import log_operation
from ..services.scope import Scope
from .deps import FormDep, PageSession, WebScopeDep, WebUserDep, page_permission, render

router = APIRouter(prefix="/admin/map", include_in_schema=False,
                   dependencies=[page_permission("web:map")])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def tile_url(request: Request) -> str:
    return getattr(request.app.state.settings, "map_tile_url", "") or ""


@router.get("")
def map_page(request: Request, session: PageSession, signed: WebUserDep,
             scope: WebScopeDep) -> Response:
    node = dashboard.node_in_scope(session, scope, request.query_params.get("node"))
    return render(request, "map.html", title="态势一张图", node=node, tiles=tile_url(request),
                  may_edit="web:map_edit" in request.state.permissions)


@contextmanager
def fresh(request: Request) -> Iterator[Session]:
    """A read transaction that sees the figures brought up to date (services/dashboard: the
    refresh is its own unit of work, so the page's own transaction, begun before it, would not
    see it on SQLite)."""
    factory = request.app.state.sessions
    dashboard.refreshed(factory)
    with unit_of_work(factory, write=False) as session:
        yield session


@router.get("/nodes.geojson")
def nodes(request: Request, signed: WebUserDep, scope: WebScopeDep) -> Response:
    with fresh(request) as session:
        fig = dashboard.figures(session, scope, request.query_params.get("node"),
                                children_only=True)
        return JSONResponse(geo.nodes_geojson(session, scope, fig.node, fig.children))


@router.get("/points.geojson")
def points(request: Request, session: PageSession, signed: WebUserDep,
           scope: WebScopeDep) -> Response:
    grid = dashboard.node_in_scope(session, scope, request.query_params.get("grid"))
    return JSONResponse(geo.points_geojson(session, scope, grid))


@router.get("/houses.json")
def houses(request: Request, session: PageSession, signed: WebUserDep,
           scope: WebScopeDep) -> Response:
    """The houses of one building (or one house outside buildings) with their residents'
    count and the link to the people list of each."""
    building_id = request.query_params.get("building") or ""
    house_id = request.query_params.get("house") or ""
    cond = House.building_id == building_id if building_id else House.id == house_id
    rows = session.execute(
        select(House.id, House.door_plate, func.count(Person.id))
        .outerjoin(Person, (Person.house_id == House.id) & Person.deleted.is_(False)
                   & (Person.status == "normal"))
        .where(cond, House.deleted.is_(False), scope.condition(House))
        .group_by(House.id, House.door_plate).order_by(House.door_plate)).all()
    building = session.get(Building, building_id) if building_id else None
    if building_id and (building is None or building.deleted
                        or not scope.contains(session, building)):
        raise DomainError("not_found", entity="buildings")
    if not building_id and not rows:
        raise DomainError("not_found", entity="houses")
    title = building.name if building is not None else rows[0][1]
    return JSONResponse({"title": title, "houses": [
        {"id": h, "name": plate, "people": n,
         "link": "/admin/people?" + urlencode({"house_id": h, "status": "normal"})}
        for h, plate, n in rows]})


def _labels(session: Session, dict_code: str) -> dict[str, str]:
    return {e.code: e.label for e in list_entries(session, dict_code)}


def _bar(title: str, chart_id: str, counts: dict[str, int], labels: dict[str, str],
         link: Any) -> dict[str, Any]:
    items = sorted(((k, n) for k, n in counts.items() if n), key=lambda kv: -kv[1])
    return {"id": chart_id, "title": title, "kind": "bar",
            "items": [{"label": labels.get(k, k or "未填"), "value": n, "link": link(k)}
                      for k, n in items]}


def panel_data(session: Session, scope: Scope, node_id: str | None,
               today: dt.date) -> dict[str, Any]:
    """Everything the panels draw for one node: totals, the charts, the way back up."""
    fig = dashboard.figures(session, scope, node_id)
    node = fig.node

    def people(**params: Any) -> str:
        return "/admin/people?" + urlencode({"under": node.id, **params})

    def registry(kind: str, **params: Any) -> str:
        return f"/admin/registry/{kind}?" + urlencode({"under": node.id, **params})

    year = today.year
    pyramid = dashboard.pyramid(fig, year)
    bands = [f"{lo}-{hi}岁" if hi is not None else f"{lo}岁以上"
             for lo, hi in dashboard.AGE_BANDS]
    band_links = {}
    for sex in ("male", "female"):
        band_links[sex] = []
        for i in range(len(bands)):
            born_from, born_to = dashboard.band_years(i, year)
            params = {"sex": sex, "status": "normal", "born_to": born_to}
            if born_from is not None:
                params["born_from"] = born_from
            band_links[sex].append(people(**params))
    months = dashboard.last_months(today)
    monthly = dashboard.monthly(fig, today)

    def changes(kind: str) -> list[str]:
        return ["/admin/map/changes?" + urlencode({"node": node.id, "kind": kind, "month": m})
                for m in months]

    charts = [
        {"id": "pyramid", "title": "人口金字塔（年龄段 × 性别）", "kind": "pyramid",
         "bands": bands, "male": pyramid["male"], "female": pyramid["female"],
         "links": band_links, "panel": "population"},
        _bar("民族", "ethnicity", fig.metric("ethnicity"), _labels(session, "ethnicity"),
             lambda k: people(ethnicity=k, status="normal")),
        _bar("人口类型", "resident_type", fig.metric("resident_type"),
             _labels(session, "resident_type"),
             lambda k: people(resident_type=k, status="normal")),
        _bar("重点人群", "tag", fig.metric("tag"), _labels(session, "tag"),
             lambda k: people(tag=k, status="normal")),
        {"id": "monthly", "title": "人口变动（近 12 个月）", "kind": "line", "months": months,
         "series": [
             {"name": "出生", "data": monthly["births"], "links": changes("birth")},
             {"name": "死亡", "data": monthly["deaths"], "links": changes("death")},
             {"name": "迁入", "data": monthly["moved_in"], "links": changes("move_in")},
             {"name": "迁出", "data": monthly["moved_out"], "links": changes("move_out")}]},
        _bar("建筑类型", "building_type", fig.metric("building_type"),
             _labels(session, "building_type"),
             lambda k: registry("buildings", building_type=k)),
        _bar("建筑用途", "building_use", fig.metric("building_use"),
             _labels(session, "building_use"), lambda k: registry("buildings", use=k)),
        _bar("房屋类型（含农村自建房）", "house_type", fig.metric("house_type"),
             _labels(session, "house_type"), lambda k: registry("houses", house_type=k)),
        _bar("房屋使用情况", "house_use", fig.metric("house_use"),
             _labels(session, "house_use"), lambda k: registry("houses", use=k)),
        _bar("房屋入住", "occupancy", fig.metric("occupancy"),
             {"occupied": "有人居住", "empty": "无人居住"}, lambda k: registry("houses")),
    ]
    for chart in charts[1:4]:
        chart["panel"] = "population"
    charts[4]["panel"] = "population"
    for chart in charts[5:]:
        chart["panel"] = "buildings"
    crumbs = []
    walk: OrgNode | None = node
    while walk is not None and scope.contains_path(walk.path):
        crumbs.insert(0, {"id": walk.id, "name": walk.name})
        walk = session.get(OrgNode, walk.parent_id) if walk.parent_id else None
    totals = fig.metric("count")
    return {"node": {"id": node.id, "name": node.name, "level": node.level},
            "crumbs": crumbs,
            "totals": {"people": totals.get("people", 0),
                       "households": totals.get("households", 0),
                       "houses": totals.get("houses", 0),
                       "buildings": totals.get("buildings", 0)},
            "people_link": people(status="normal"), "charts": charts}


@router.get("/figures.json")
def figures(request: Request, signed: WebUserDep, scope: WebScopeDep, now: NowDep) -> Response:
    with fresh(request) as session:
        return JSONResponse(panel_data(session, scope, request.query_params.get("node"),
                                       now.date()))


@router.get("/changes")
def changes_page(request: Request, signed: WebUserDep, scope: WebScopeDep) -> Response:
    """The records behind one month's births, deaths, moves in or out of a node."""
    q = request.query_params
    kind, month = q.get("kind") or "", q.get("month") or ""
    with fresh(request) as session:
        node, rows = dashboard.events(session, scope, q.get("node"), kind, month)
        return render(request, "map_changes.html", title="人口变动明细", node=node,
                      label=dashboard.EVENT_LABELS[kind], month=month, rows=rows,
                      sources={"people": "人员登记", "person_moves": "迁移记录"})


@router.post("/export")
def export(request: Request, session: PageSession, signed: WebUserDep, scope: WebScopeDep,
           now: NowDep, form: FormDep) -> Response:
    """One figure's data as xlsx (the operation log records it)."""
    dashboard.refresh(session)  # a POST's transaction already holds the write lock
    data = panel_data(session, scope, str(form.get("node") or "") or None, now.date())
    chart = next((c for c in data["charts"] if c["id"] == form.get("chart")), None)
    if chart is None:
        raise DomainError("not_found")
    body = dashboard.chart_xlsx(data["node"]["name"], chart)
    log_operation(session, user=signed.user, action="export", now=now, entity="node_stats",
                  record_id=data["node"]["id"], details={"chart": chart["id"]})
    name = f"figure-{chart['id']}.xlsx"
    return Response(body, media_type=XLSX,
                    headers={"content-disposition": f'attachment; filename="{name}"'})


# -- the boundary editor ---------------------------------------------------------------------

def _editable(session: Session, scope: Scope, node_id: str) -> OrgNode:
    node = dashboard.node_in_scope(session, scope, node_id)
    if node.path == scope.path and node.level != "county":
        raise DomainError("forbidden")  # a township office redraws what is under it
    return node


def _editor(request: Request, node: OrgNode, *, status_code: int = 200,
            error: str | None = None, value: str = "") -> Response:
    """The editor: the map to draw on (with the parent's outline and the siblings around it)
    and the GeoJSON field the drawing fills in or a file replaces."""
    return render(request, "map_boundary.html", status_code=status_code, title="区域边界",
                  node=node, error=error, value=value or node.boundary or "",
                  parent_id=node.parent_id, tiles=tile_url(request))


@router.get("/boundary/{node_id}", dependencies=[page_permission("web:map_edit")])
def boundary_form(node_id: str, request: Request, session: PageSession, signed: WebUserDep,
                  scope: WebScopeDep) -> Response:
    return _editor(request, _editable(session, scope, node_id))


@router.post("/boundary/{node_id}", dependencies=[page_permission("web:map_edit")])
def boundary_save(node_id: str, request: Request, session: PageSession,
                  signed: WebUserDep, scope: WebScopeDep, now: NowDep,
                  form: FormDep) -> Response:
    # a plain function (run in the thread pool): its database work must never stall the loop
    node = _editable(session, scope, node_id)
    upload = form.get("file")
    text = str(form.get("geojson") or "").strip()
    if upload is not None and not isinstance(upload, str):
        content = upload.file.read()
        if content:
            text = content.decode("utf-8", errors="replace").strip()
    if not text:
        return _editor(request, node, status_code=422, error="请选择 GeoJSON 文件或粘贴边界内容")
    try:
        records.update_record(session, scope, signed.user, OrgNode, node.id,
                              {"boundary": text}, now=now)
    except DomainError as err:
        message = err.message() if not isinstance(err, ValidationErrors) else "；".join(
            e.message() for e in err.errors)
        return _editor(request, node, status_code=status_of(err), error=message,
                       value=text[:200_000])
    back = node.parent_id if node.parent_id and scope.contains_path(
        (session.get(OrgNode, node.parent_id) or node).path) else node.id
    return RedirectResponse(f"/admin/map?node={back}", status_code=303)


def tile_origin(url: str) -> str | None:
    """The scheme://host[:port] of a tile URL template, for the page's CSP."""
    parsed = urlparse(url.replace("{s}", "*"))
    if parsed.scheme in ("http", "https") and parsed.netloc:
        return f"{parsed.scheme}://{parsed.netloc}"
    return None
