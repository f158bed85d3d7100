"""Sign-in endpoints: captcha, login, refresh, logout, me, change one's password."""
from __future__ import annotations

import base64

from fastapi import APIRouter, BackgroundTasks, Request
from pydantic import BaseModel, Field

from common.dictionaries import label as dict_label
from common.errors import DomainError
from common.schema import OrgNode, User

from ...services import auth, captcha, field_visibility, permissions, web_signin
from ...services.devices import token_device
from . import snapshots
from ..deps import CurrentUser, NowDep, SessionDep, SettingsDep
from ..errors import LoginRefused
from ..wire import (CaptchaChallengePublic, LoginRefusal, LoginRequest, PasswordChange,
                    RefreshRequest, TokenResponse, UserPublic)

router = APIRouter(prefix="/api/auth", tags=["auth"])


def user_public(session: SessionDep, user: User) -> UserPublic:
    node = session.get(OrgNode, user.scope_node_id)
    role = permissions.role_of(session, user)
    return UserPublic(id=user.id, username=user.username, display_name=user.display_name,
                      role=user.role, role_label=role.name or dict_label("role", user.role),
                      permissions=sorted(role.permissions or ()),
                      hidden_fields=field_visibility.hidden_for(session, user.role),
                      scope_node_id=user.scope_node_id,
                      scope_node_name=node.name if node else None,
                      scope_node_level=node.level if node else None)


def _answer(session: SessionDep, pair: auth.TokenPair) -> TokenResponse:
    return TokenResponse(access_token=pair.access_token, refresh_token=pair.refresh_token,
                         expires_in=pair.expires_in, user=user_public(session, pair.user))


@router.post("/captcha", response_model=CaptchaChallengePublic, summary="获取登录验证码")
def new_captcha(session: SessionDep, now: NowDep) -> CaptchaChallengePublic:
    challenge_id, png = captcha.new_challenge(session, now=now)
    return CaptchaChallengePublic(captcha_id=challenge_id,
                                  image_png_base64=base64.b64encode(png).decode("ascii"),
                                  expires_in=int(captcha.LIFETIME.total_seconds()))


def _address(request: Request) -> str:
    # The peer address. Behind a reverse proxy every sign-in comes from the proxy: the proxy
    # must then pass the real address in its own connection (uvicorn --proxy-headers).
    return request.client.host if request.client else ""


@router.post("/login", response_model=TokenResponse, summary="账号密码登录",
             responses={401: {"model": LoginRefusal}, 429: {"model": LoginRefusal}})
def login(body: LoginRequest, request: Request, session: SessionDep, settings: SettingsDep,
          now: NowDep, background: BackgroundTasks) -> TokenResponse:
    try:
        pair = auth.login(session, body.username, body.password, settings=settings, now=now,
                          device_id=body.device_id, address=_address(request),
                          captcha_id=body.captcha_id, captcha_answer=body.captcha_answer)
    except DomainError as err:
        raise LoginRefused(err) from None
    # A desktop (it names its device) signs in before its first sync: its scope's snapshot is
    # prepared meanwhile (a fresh one is reused), so the first sync does not wait for it.
    if body.device_id:
        background.add_task(snapshots.warm, request, pair.user.id)
    return _answer(session, pair)


@router.post("/password", response_model=TokenResponse, summary="修改自己的密码",
             responses={403: {"model": LoginRefusal}})
def change_password(body: PasswordChange, request: Request, user: CurrentUser,
                    session: SessionDep, settings: SettingsDep, now: NowDep) -> TokenResponse:
    token = request.headers.get("authorization", "").partition(" ")[2]
    pair = auth.change_own_password(session, user, body.current_password, body.new_password,
                                    settings=settings, now=now,
                                    device_id=token_device(token, settings))
    return _answer(session, pair)


@router.post("/refresh", response_model=TokenResponse, summary="用刷新令牌换新令牌")
def refresh(body: RefreshRequest, session: SessionDep, settings: SettingsDep,
            now: NowDep) -> TokenResponse:
    pair = auth.refresh(session, body.refresh_token, settings=settings, now=now)
    return _answer(session, pair)


@router.post("/logout", status_code=204, summary="注销（作废刷新令牌）")
def logout(body: RefreshRequest, session: SessionDep, now: NowDep) -> None:
    auth.logout(session, body.refresh_token, now=now)


class QrApproval(BaseModel):
    code: str = Field(max_length=16, description="网页登录页显示的扫码登录码，如 ACDE-FH34")


@router.post("/qr/approve", status_code=204, summary="扫码登录：以当前用户身份批准网页登录")
def qr_approve(body: QrApproval, user: CurrentUser, session: SessionDep, now: NowDep) -> None:
    web_signin.qr_approve(session, user, body.code, now=now)


@router.get("/me", response_model=UserPublic, summary="当前用户")
def me(user: CurrentUser, session: SessionDep) -> UserPublic:
    return user_public(session, user)
