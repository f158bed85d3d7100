"""房屋建筑统计 (/admin/places/statistics): the scope's parks, buildings and houses counted by
type and use (services/place_stats), beside the people statistics of 人口与房屋."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ..services import place_stats
from .deps import PageSession, WebScopeDep, WebUserDep, page_permission, render

router = APIRouter(prefix="/admin/places", include_in_schema=False,
                   dependencies=[page_permission("web:registry")])


@router.get("/statistics")
def statistics(request: Request, session: PageSession, signed: WebUserDep,
               scope: WebScopeDep) -> Response:
    return render(request, "places_stats.html", title="房屋建筑统计",
                  totals=place_stats.totals(session, scope),
                  groups=place_stats.place_counts(session, scope))
