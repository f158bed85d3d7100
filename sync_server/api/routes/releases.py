"""Desktop client releases (contract item 107).

    GET  /api/client/latest                       the newest release, and whether this client
                                                  (?version=) must or may update
    GET  /api/client/releases/{version}/download  the build (Range requests resume a cut download)
    GET  /api/admin/client-releases               every release (county admin)
    POST /api/admin/client-releases               publish: multipart file + version + minimum
                                                  version + notes (county admin)
"""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from fastapi.responses import FileResponse
from pydantic import BaseModel

from common.version import is_version, version_key

from ...services import releases as svc
from ..deps import CurrentUser, NowDep, SessionDep, SettingsDep, require_permission

router = APIRouter(tags=["客户端版本"])
CountyAdmin = Annotated[Any, Depends(require_permission("web:releases"))]  # as the page


class ReleasePublic(BaseModel):
    version: str
    min_version: str
    notes: str
    filename: str
    sha256: str
    size: int
    published_at: str
    download: str


class LatestAnswer(BaseModel):
    release: ReleasePublic | None
    update: bool
    """A newer build than `version` exists."""
    required: bool
    """`version` is below the release's minimum: sync refuses this client until it updates."""


def _chunks(upload: UploadFile, size: int = 1 << 20):
    while chunk := upload.file.read(size):
        yield chunk


@router.get("/api/client/latest", response_model=LatestAnswer, summary="最新客户端版本")
def latest(session: SessionDep, _: CurrentUser,
           version: Annotated[str | None, Query(max_length=16, title="本机版本")] = None) -> Any:
    found = svc.latest_release(session)
    if found is None:
        return LatestAnswer(release=None, update=False, required=False)
    known = version is not None and is_version(version)
    newer = not known or version_key(found.version) > version_key(version or "0.0")
    return LatestAnswer(release=ReleasePublic(**svc.describe(found)), update=newer,
                        required=svc.required_update(session, version) is not None)


@router.get("/api/client/releases/{version}/download", summary="下载客户端安装包",
            response_class=FileResponse)
def download(version: str, session: SessionDep, settings: SettingsDep,
             _: CurrentUser) -> FileResponse:
    found = svc.release(session, version)
    assert settings.releases_dir is not None
    return FileResponse(svc.file_path(settings.releases_dir, found),
                        media_type="application/octet-stream", filename=found.filename,
                        headers={"X-Content-SHA256": found.sha256})


@router.get("/api/admin/client-releases", response_model=list[ReleasePublic],
            summary="已发布的客户端版本")
def all_releases(session: SessionDep, _: CountyAdmin) -> Any:
    return [ReleasePublic(**svc.describe(r)) for r in svc.releases(session)]


@router.post("/api/admin/client-releases", response_model=ReleasePublic, status_code=201,
             summary="发布客户端版本")
def publish(session: SessionDep, settings: SettingsDep, actor: CountyAdmin, now: NowDep,
            file: Annotated[UploadFile, File(title="安装包")],
            version: Annotated[str, Form(max_length=16, title="版本号")],
            min_version: Annotated[str, Form(max_length=16, title="最低可用版本")],
            notes: Annotated[str, Form(max_length=svc.NOTES_MAX, title="更新说明")] = "") -> Any:
    assert settings.releases_dir is not None
    stored = svc.store_file(settings.releases_dir, _chunks(file),
                            max_bytes=settings.max_release_bytes)
    found = svc.publish(session, actor, stored, version=version, min_version=min_version,
                        notes=notes, filename=file.filename or "", now=now)
    return ReleasePublic(**svc.describe(found))
