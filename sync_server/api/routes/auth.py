"""Sign-in endpoints: login, refresh, logout, me."""
from __future__ import annotations

from fastapi import APIRouter

from common.dictionaries import label as dict_label
from common.errors import DomainError
from common.schema import OrgNode, User

from ...services import auth
from ..deps import CurrentUser, NowDep, SessionDep, SettingsDep
from ..wire import LoginRequest, RefreshRequest, TokenResponse, UserPublic

router = APIRouter(prefix="/api/auth", tags=["auth"])


def user_public(session: SessionDep, user: User) -> UserPublic:
    node = session.get(OrgNode, user.scope_node_id)
    return UserPublic(id=user.id, username=user.username, display_name=user.display_name,
                      role=user.role, role_label=dict_label("role", user.role),
                      scope_node_id=user.scope_node_id,
                      scope_node_name=node.name if node else None,
                      scope_node_level=node.level if node else None)


def _answer(session: SessionDep, pair: auth.TokenPair) -> TokenResponse:
    return TokenResponse(access_token=pair.access_token, refresh_token=pair.refresh_token,
                         expires_in=pair.expires_in, user=user_public(session, pair.user))


@router.post("/login", response_model=TokenResponse, summary="账号密码登录")
def login(body: LoginRequest, session: SessionDep, settings: SettingsDep,
          now: NowDep) -> TokenResponse:
    try:
        pair = auth.login(session, body.username, body.password, settings=settings, now=now,
                          device_id=body.device_id)
    except DomainError as err:
        if err.params.get("keep"):  # a wrong password is recorded (lockout, audit)
            session.commit()
        raise
    answer = _answer(session, pair)
    session.commit()
    return answer


@router.post("/refresh", response_model=TokenResponse, summary="用刷新令牌换新令牌")
def refresh(body: RefreshRequest, session: SessionDep, settings: SettingsDep,
            now: NowDep) -> TokenResponse:
    try:
        pair = auth.refresh(session, body.refresh_token, settings=settings, now=now)
    except DomainError as err:
        if err.params.get("keep"):  # a replayed token: keep the family revoked
            session.commit()
        raise
    answer = _answer(session, pair)
    session.commit()
    return answer


@router.post("/logout", status_code=204, summary="注销（作废刷新令牌）")
def logout(body: RefreshRequest, session: SessionDep, now: NowDep) -> None:
    auth.logout(session, body.refresh_token, now=now)
    session.commit()


@router.get("/me", response_model=UserPublic, summary="当前用户")
def me(user: CurrentUser, session: SessionDep) -> UserPublic:
    return user_public(session, user)
