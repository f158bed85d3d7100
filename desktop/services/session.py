"""Signing in: the first time online against the server (creates the encrypted local profile and
downloads the scope), afterwards offline with the same password. Profiles are kept apart, one
folder per server account (storage/profiles.py).

Runs on the network lane (it may do HTTP and then open the database before any window exists).
"""
from __future__ import annotations

import datetime as dt
import logging
import re
import uuid
from dataclasses import dataclass
from typing import Any, Callable

from sqlalchemy.orm import Session

from common.errors import DomainError
from desktop.net import auth
from desktop.storage import search_index
from desktop.storage.changes import sync_state
from desktop.storage.profiles import (Profile, create_profile, list_profiles, open_profile,
                                      profile_dir)

log = logging.getLogger(__name__)

_URL = re.compile(r"^https?://[^\s/]+(:\d+)?(/.*)?$")

InitialSync = Callable[[Profile, Any], None]
"""Pulls the user's scope into a fresh profile: (profile, progress or None)."""


@dataclass(frozen=True)
class SignedIn:
    """The outcome of signing in: the open profile and whether it was created just now."""

    profile: Profile
    created: bool
    offline: bool

    @property
    def user(self) -> dict[str, Any]:
        return self.profile.info


def known_profiles() -> list[dict[str, Any]]:
    """Profiles on this machine (name, server_url, display_name …) for the sign-in form."""
    return list_profiles()


def profile_name_for(username: str) -> str:
    return username.strip()


def sign_in(server_url: str, username: str, password: str, *, now: dt.datetime,
            initial_sync: InitialSync | None = None, progress: Any = None,
            login: Callable[..., dict[str, Any]] = auth.login,
            captcha: tuple[str, str] | None = None) -> SignedIn:
    """Open the local profile of `username` with `password`, or create it online first.

    Offline sign-in needs no server at all: the password unwraps the profile's data key
    (DomainError("wrong_password") if it does not). The first sign-in on a machine asks the
    server, creates the profile under the same password, stores the access token inside the
    encrypted file and runs `initial_sync`.
    """
    username = username.strip()
    if not username:
        raise DomainError("required", "username", label="账号")
    if not password:
        raise DomainError("required", "password", label="密码")
    name = profile_name_for(username)
    if (profile_dir(name) / "key.json").exists():
        # No index refresh here: the main window brings the pinyin index up to date in the
        # background after start-up, so offline sign-in stays fast.
        profile = open_profile(name, password)
        return SignedIn(profile, created=False, offline=True)
    server_url = server_url.strip()
    if not _URL.match(server_url):
        raise DomainError("server_url_invalid", "server_url", value=server_url)
    if progress is not None:
        progress.report(0, 0, "正在连接服务器…")
    device_id = str(uuid.uuid4())  # sent at sign-in so the server can revoke this device
    answer = login(server_url, username, password, device_id=device_id,
                   **({"captcha": captcha} if captcha else {}))  # (id, answer) when asked
    user = answer.get("user") or {}
    profile = create_profile(
        name, password, server_url=server_url, username=username, user_id=user.get("id"),
        display_name=user.get("display_name") or username, role=user.get("role"),
        scope_node_id=user.get("scope_node_id"), scope_node_name=user.get("scope_node_name"),
        permissions=user.get("permissions"), hidden_fields=user.get("hidden_fields") or {})
    with Session(profile.engine) as s:
        state = sync_state(s)
        state.device_id = device_id
        state.access_token = answer.get("access_token")
        state.refresh_token = answer.get("refresh_token")
        state.server_url = server_url
        state.user_id = user.get("id")
        s.commit()
    if initial_sync is not None:
        if progress is not None:
            progress.report(0, 0, "正在下载辖区数据…")
        initial_sync(profile, progress)
    if progress is not None:
        progress.report(0, 0, "正在建立姓名拼音检索…")
    _refresh_index(profile)
    return SignedIn(profile, created=True, offline=False)


def _refresh_index(profile: Profile) -> None:
    """Index people who arrived by sync since the last sign-in (cheap when nothing changed)."""
    with Session(profile.engine) as s:
        n = search_index.refresh_index(s)
        s.commit()
    if n:
        log.info("pinyin index refreshed for %d people", n)


def fetch_captcha(server_url: str) -> tuple[str, bytes]:
    """A new sign-in captcha from the server: (its id, the PNG to show). Network lane."""
    return auth.fetch_captcha(server_url)
