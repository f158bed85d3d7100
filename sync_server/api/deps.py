"""FastAPI dependencies: settings, clock, database session, the signed-in user, their scope and
role checks, as `Annotated` aliases routes declare as parameters."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from common.errors import DomainError
from common.schema import User

from ..db.engine import unit_of_work
from ..services import permissions
from ..services.auth import check_generation, read_access_token
from ..services.devices import DEVICE_HEADER, check_request
from ..services.scope import Scope
from ..settings import Settings


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_now(request: Request) -> dt.datetime:
    """The request's `now` (naive UTC) from the app's clock, read once per request."""
    return request.app.state.clock()


def get_session(request: Request) -> Iterator[Session]:
    """The request's transaction: committed when the handler returns, rolled back when it raises
    (routes and services never commit). Writing methods take the write lock up front on SQLite.
    Declared with scope="function" below: the commit happens when the handler returns, before
    the answer is sent, so a client told 200 finds its write in the very next request."""
    with unit_of_work(request.app.state.sessions,
                      write=request.method not in ("GET", "HEAD")) as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings)]
NowDep = Annotated[dt.datetime, Depends(get_now)]
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
_bearer = HTTPBearer(auto_error=False, description="POST /api/auth/login 得到的 access_token")


def get_current_user(request: Request, session: SessionDep, settings: SettingsDep, now: NowDep,
                     credentials: Annotated[HTTPAuthorizationCredentials | None,
                                            Depends(_bearer)]) -> User:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise DomainError("not_authenticated")
    user_id = read_access_token(credentials.credentials, settings, now)
    check_request(session, credentials.credentials, settings, request.headers.get(DEVICE_HEADER))
    user = session.get(User, user_id)
    if user is None or user.deleted:
        raise DomainError("token_invalid")
    # signed out or a new password since the token was issued
    check_generation(session, user.id, credentials.credentials, settings)
    if not user.active:
        raise DomainError("account_disabled")
    if request.method not in ("GET", "HEAD") and not request.url.path.startswith(OWN_ACCOUNT):
        check_role_writes(session, user, request.url.path)
    return user


OWN_ACCOUNT = "/api/auth/"
"""Sign-in, tokens, one's own password and approving a browser's QR sign-in: open to every role."""
DESKTOP_PATHS = ("/api/sync", "/api/attachments")


def check_role_writes(session: Session, user: User, path: str) -> None:
    """A read-only role (services/scope.py) sends no write to the API: the door of every
    writing route, whatever its own role checks (record writes also check in their services)."""
    scope = Scope.of(session, user)
    if path.startswith(DESKTOP_PATHS):
        scope.check_desktop()
    scope.check_write()


CurrentUser = Annotated[User, Depends(get_current_user)]


def get_scope(session: SessionDep, user: CurrentUser) -> Scope:
    return Scope.of(session, user)


ScopeDep = Annotated[Scope, Depends(get_scope)]


def require_role(*roles: str) -> Callable[[User], User]:
    """A dependency that lets only `roles` through (403 forbidden otherwise):
    `Depends(require_role("county_admin"))`. Pages and their JSON routes check a permission
    instead (`require_permission`); this is for rules tied to the built-in role itself."""

    def check(user: CurrentUser) -> User:
        if user.role not in roles:
            raise DomainError("forbidden")
        return user

    return check


def require_permission(permission: str) -> Callable[..., User]:
    """A dependency that lets through only users whose role has `permission`
    (common/permissions.py; the web console's pages check the same one)."""

    def check(user: CurrentUser, session: SessionDep) -> User:
        permissions.require(session, user, permission)
        return user

    return check


# The JSON API checks the same permission as the page that does the same work.
ConfigEditor = Annotated[User, Depends(require_permission("web:config"))]   # 配置中心
AccountManager = Annotated[User, Depends(require_permission("web:users"))]  # accounts, devices
