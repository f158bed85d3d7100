"""The web console (管理端) at /admin: server-rendered pages over the same services as the JSON
API. `install_web(app)` is all create_app needs."""
from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from .security import SecurityHeaders, install_redirects

STATIC = Path(__file__).parent / "static"


def install_web(app: FastAPI) -> None:
    """Pages, their static files, the security headers and the sign-in redirect."""
    from . import home, people, signin
    app.add_middleware(SecurityHeaders)
    install_redirects(app)
    app.mount("/admin/static", StaticFiles(directory=STATIC), name="admin-static")
    for module in (signin, home, people):
        app.include_router(module.router)
