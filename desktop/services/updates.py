"""A new client build: when the server refuses this client as too old it names the release
(version, notes, where to download it); the worker downloads it from their own server and runs
it. Network only (no database): runs on the network lane."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from common.errors import DomainError
from common.version import APP_VERSION

from ..net.updates import UpdateClient


def updates_folder(profile: Any) -> Path:
    """Where downloaded builds are kept: inside the profile's folder (owner-only), or beside
    the database file when the profile is a bare file."""
    base = Path(profile.path)
    return (base if base.is_dir() else base.parent) / "updates"


def release_of(err: BaseException) -> dict[str, Any] | None:
    """The release a `client_too_old` refusal carries, if the server published one."""
    if isinstance(err, DomainError) and err.code == "client_too_old":
        release = err.params.get("release")
        return release if isinstance(release, dict) else None
    return None


def latest(service: Any) -> dict[str, Any]:
    client = UpdateClient(service.profile.server_url, _token(service))
    try:
        return client.latest(APP_VERSION)
    finally:
        client.close()


def download(service: Any, release: dict[str, Any],
             on_progress: Callable[[int, int], None] | None = None) -> Path:
    """Download and verify `release` into the profile's updates folder (resumes a cut one)."""
    client = UpdateClient(service.profile.server_url, _token(service))
    try:
        return client.download(release, updates_folder(service.profile), on_progress)
    finally:
        client.close()


def _token(service: Any) -> str:
    token = service.token()
    if not token:
        service.renew_token()
        token = service.token()
    if not token:
        raise DomainError("sign_in_required")
    return token


__all__ = ["release_of", "latest", "download", "updates_folder"]
