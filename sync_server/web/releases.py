"""Client versions (客户端版本, contract item 107): the published desktop builds and a form to
publish one (file, version, minimum version, notes) through services/releases, like the JSON
API. County admin only."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from common.errors import DomainError

from ..api.deps import NowDep, SettingsDep
from ..api.errors import status_of
from ..services import releases as svc
from .deps import FormDep, PageSession, WebUserDep, page_permission, render

router = APIRouter(prefix="/admin/releases", include_in_schema=False,
                   dependencies=[page_permission("web:releases")])


def _page(request: Request, session, *, status_code: int = 200, values: dict | None = None,
          errors: dict[str, str] | None = None) -> Response:
    return render(request, "releases.html", status_code=status_code, title="客户端版本",
                  releases=svc.releases(session), values=values or {}, errors=errors or {})


@router.get("")
def releases(request: Request, session: PageSession, signed: WebUserDep) -> Response:
    return _page(request, session)


def _chunks(upload: UploadFile, size: int = 1 << 20):
    while chunk := upload.file.read(size):
        yield chunk


@router.post("")
def publish(request: Request, session: PageSession, signed: WebUserDep, settings: SettingsDep,
            now: NowDep, form: FormDep) -> Response:
    values = {k: str(form.get(k, "")) for k in ("version", "min_version", "notes")}
    upload = form.get("file")
    assert settings.releases_dir is not None
    stored = None
    try:
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise DomainError("required", "file", label="安装包")
        stored = svc.store_file(settings.releases_dir, _chunks(upload),
                                max_bytes=settings.max_release_bytes)
        svc.publish(session, signed.user, stored, filename=upload.filename, now=now, **values)
    except DomainError as err:
        if stored is not None and stored.sha256 not in {r.sha256 for r in svc.releases(session)}:
            stored.path.unlink(missing_ok=True)  # refused: no file left without its release
        return _page(request, session, status_code=status_of(err), values=values,
                     errors={err.field or "version": err.message()})
    return RedirectResponse("/admin/releases", status_code=303)
