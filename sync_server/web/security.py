"""Browser-facing protections: security headers on every answer (a strict CSP on HTML), the
redirect of a signed-out browser to the sign-in page, and the CSRF check of every write."""
from __future__ import annotations

import secrets
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
       "frame-ancestors 'none'; form-action 'self'")
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
WRITES = ("POST", "PUT", "PATCH", "DELETE")


def csp_of(scope: Scope) -> str:
    """The CSP, letting images also come from the configured map tile server (if any)."""
    from .map import tile_origin  # the map page owns the tile setting

    settings = getattr(getattr(scope.get("app"), "state", None), "settings", None)
    origin = tile_origin(getattr(settings, "map_tile_url", "") or "")
    return CSP.replace("img-src 'self' data:", f"img-src 'self' data: {origin}") if origin else CSP


class SecurityHeaders:
    """Adds CSP (to HTML), nosniff, a same-origin referrer policy and no framing to /admin and
    to the resident pages (/h5)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(("/admin", "/h5")):
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                kinds = [v for k, v in headers if k.lower() == b"content-type"]
                if any(v.startswith(b"text/html") for v in kinds):
                    headers.append((b"content-security-policy", csp_of(scope).encode()))
                headers += [(b"x-content-type-options", b"nosniff"),
                            (b"referrer-policy", b"same-origin"),
                            (b"x-frame-options", b"DENY")]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


class CompressedAssets:
    """gzip for the pages' scripts, styles and vendored libraries (/admin/static, /h5/static):
    on a 2G link a resident's first visit is mostly these. Pages themselves stay uncompressed:
    they carry the session's CSRF token beside text a user typed (BREACH)."""

    PREFIXES = ("/admin/static/", "/h5/static/")

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.gzip = GZipMiddleware(app, minimum_size=1024, compresslevel=6)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(self.PREFIXES):
            await self.gzip(scope, receive, send)
        else:
            await self.app(scope, receive, send)


class SignInNeeded(Exception):
    """Raised by a page whose browser has no live session: answered by a redirect."""


def safe_next(target: str | None) -> str:
    """`target` when it is a path on this site (never another host), else the home page."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")) \
            and "\\" not in target:
        return target
    return "/admin/"


def install_redirects(app: FastAPI) -> None:
    """A signed-out browser goes to sign-in; a refusal on a console page is a Chinese page (the
    JSON API keeps its JSON answer from api/errors.py)."""
    from common.errors import DomainError

    from ..api.errors import body_of, status_of

    @app.exception_handler(DomainError)
    async def refused(request: Request, err: DomainError) -> Response:
        if request.url.path.startswith("/open311"):  # the GeoReport v2 error list
            return JSONResponse([{"code": status_of(err), "description": err.message()}],
                                status_code=status_of(err))
        if request.url.path.startswith("/h5/uploads"):  # the photo uploads' script reads JSON
            return JSONResponse(body_of(err), status_code=status_of(err))
        if request.url.path.startswith("/h5"):
            from .resident import page
            return page(request, "error.html", status_of(err), title="无法完成",
                        message=err.message())
        if not request.url.path.startswith("/admin"):
            return JSONResponse(body_of(err), status_code=status_of(err))
        from .deps import render
        return render(request, "error.html", status_code=status_of(err), title="无法完成",
                      message=err.message())

    @app.exception_handler(SignInNeeded)
    async def to_sign_in(request: Request, exc: SignInNeeded) -> RedirectResponse:
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if request.headers.get("hx-request"):  # htmx: reload the whole page at sign-in
            answer = RedirectResponse("/admin/login", status_code=303)
            answer.headers["HX-Redirect"] = "/admin/login"
            return answer
        return RedirectResponse(f"/admin/login?next={quote(here)}", status_code=303)


def same_token(sent: str | None, expected: str) -> bool:
    return bool(sent) and secrets.compare_digest(sent.encode(), expected.encode())
