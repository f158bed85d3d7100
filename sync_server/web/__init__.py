"""The web console (管理端) at /admin: server-rendered pages over the same services as the JSON
API. `install_web(app)` is all create_app needs."""
from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from . import (affairs, briefings, config, dashboards, exports, fieldwork, grids, home, hotline,
               imports, map, notices, oplog, org, people, places, registry, releases, reports,
               resident, resident_affairs, roles, signin, sms, users, wishes, work_stats,
               workflows)
from .security import CompressedAssets, SecurityHeaders, install_redirects

STATIC = Path(__file__).parent / "static"
# Every page module's router; a new page module is added here (and its menu line in menu.py).
ROUTERS = (signin.router, home.router, people.router, exports.router, grids.router,
           registry.router, sms.router, releases.router, oplog.router, work_stats.router,
           config.router, users.router, org.router, roles.router, places.router,
           fieldwork.router, resident.router, hotline.router, notices.router, wishes.router,
           imports.router, workflows.router, map.router, briefings.router, reports.router,
           dashboards.router, *affairs.ROUTERS, resident_affairs.router)


def page_paths() -> list[str]:
    """Every GET page without path parameters (the external-host test renders each)."""
    return sorted({r.path for router in ROUTERS for r in router.routes
                   if "GET" in getattr(r, "methods", ()) and "{" not in r.path})


def install_web(app: FastAPI) -> None:
    """Pages, their static files, the security headers and the sign-in redirect."""
    app.add_middleware(SecurityHeaders)
    app.add_middleware(CompressedAssets)
    install_redirects(app)
    app.mount("/admin/static", StaticFiles(directory=STATIC), name="admin-static")
    resident.install(app)
    for router in ROUTERS:
        app.include_router(router)
