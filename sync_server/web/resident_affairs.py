"""网上办事 and 主动上报 on the resident pages (/h5/affairs): the services the county offers, an
application with its materials, an active report about the household, and each application
followed step by step (add the material asked, download the signed result). A resident reaches
only their own applications. Thin routes over services/affairs.py."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from common import affairs as af
from common.errors import DomainError

from ..api.deps import NowDep
from ..api.errors import status_of
from ..services import affairs, resident_reports
from .affairs import file_response
from .deps import FormDep, PageSession
from .resident import ConsentingDep, _field_errors, page

router = APIRouter(prefix="/h5/affairs", include_in_schema=False)
WHO = ("applicant", "phone", "village_id", "address", "details")


def _upload(item: Any) -> affairs.Upload | None:
    # The routes are plain functions (run in the thread pool): a filing may wait for the
    # resident's limit lock, which must never stall the event loop.
    if isinstance(item, UploadFile) and item.filename:
        item.file.seek(0)
        return affairs.Upload(item.filename, item.file.read(affairs.MAX_FILE_BYTES + 1))
    return None


def _defaults(signed: Any) -> dict[str, str]:
    r = signed.resident
    return {"phone": r.phone or "", "village_id": r.village_id or "", "address": r.address or ""}


@router.get("")
def affairs_home(request: Request, session: PageSession, signed: ConsentingDep) -> Response:
    return page(request, "affairs.html", title="网上办事",
                services=affairs.services(session), mine=affairs.mine(session, signed.resident),
                states=af.STATES, kinds=af.KINDS)


def _apply_page(request: Request, session, signed, service_id: str,  # noqa: ANN001
                status_code: int = 200, **context: Any) -> Response:
    context.setdefault("values", _defaults(signed))
    return page(request, "affair_apply.html", status_code, title="申请办理",
                service=affairs.get_service(session, service_id),
                places=resident_reports.places(session), kinds=af.MATERIAL_KINDS,
                limit_mb=affairs.MAX_FILE_BYTES // 1048576, **context)


@router.get("/apply/{service_id}")
def apply_form(request: Request, session: PageSession, signed: ConsentingDep,
               service_id: str) -> Response:
    try:
        return _apply_page(request, session, signed, service_id)
    except DomainError:
        return RedirectResponse("/h5/affairs", status_code=303)


@router.post("/apply/{service_id}")
def apply_submit(request: Request, session: PageSession, signed: ConsentingDep,
                 now: NowDep, service_id: str, form: FormDep) -> Response:
    values = {k: str(form.get(k, "")) for k in WHO}
    files: dict[int, affairs.Upload] = {}
    for i in range(af.MAX_MATERIALS):
        upload = _upload(form.get(f"m{i}"))
        if upload is not None:
            files[i] = upload
    try:
        row = affairs.apply(session, signed.resident, service_id, files=files, now=now,
                            **values)
    except DomainError as err:
        if err.code == "affair_service_unknown":
            return RedirectResponse("/h5/affairs", status_code=303)
        return _apply_page(request, session, signed, service_id, status_of(err),
                           values=values, errors=_field_errors(err, "_"))
    return RedirectResponse(f"/h5/affairs/{row.id}?filed=1", status_code=303)


def _report_page(request: Request, session, signed, status_code: int = 200,  # noqa: ANN001
                 **context: Any) -> Response:
    context.setdefault("values", _defaults(signed))
    return page(request, "affair_report.html", status_code, title="主动上报",
                types=af.REPORT_TYPES, places=resident_reports.places(session),
                max_photos=affairs.MAX_REPORT_PHOTOS, **context)


@router.get("/report")
def report_form(request: Request, session: PageSession, signed: ConsentingDep) -> Response:
    return _report_page(request, session, signed)


@router.post("/report")
def report_submit(request: Request, session: PageSession, signed: ConsentingDep,
                  now: NowDep, form: FormDep) -> Response:
    values = {k: str(form.get(k, "")) for k in (*WHO, "report_type")}
    photos = [u for u in [_upload(x) for x in form.getlist("photos")] if u is not None]
    try:
        row = affairs.report(session, signed.resident, photos=photos, now=now, **values)
    except DomainError as err:
        return _report_page(request, session, signed, status_of(err), values=values,
                            errors=_field_errors(err, "_"))
    return RedirectResponse(f"/h5/affairs/{row.id}?filed=1", status_code=303)


def _detail(request: Request, session, signed, now, application_id: str,  # noqa: ANN001
            status_code: int = 200, **context: Any) -> Response:
    view = affairs.resident_view(session, signed.resident, application_id, now=now)
    context.setdefault("errors", {})
    return page(request, "affair_detail.html", status_code, title="办理进度", a=view,
                **context)


@router.get("/{application_id}")
def detail(request: Request, session: PageSession, signed: ConsentingDep, now: NowDep,
           application_id: str, filed: int = 0) -> Response:
    return _detail(request, session, signed, now, application_id, filed=bool(filed))


@router.post("/{application_id}/supply")
def supply(request: Request, session: PageSession, signed: ConsentingDep, now: NowDep,
           application_id: str, form: FormDep) -> Response:
    files = [u for u in [_upload(x) for x in form.getlist("files")] if u is not None]
    note = str(form.get("note", ""))
    try:
        affairs.supply(session, signed.resident, application_id, files=files, note=note,
                       now=now)
    except DomainError as err:
        if err.code == "not_found":
            raise
        return _detail(request, session, signed, now, application_id, status_of(err),
                       note=note, errors=_field_errors(err, "files"))
    return RedirectResponse(f"/h5/affairs/{application_id}", status_code=303)


@router.get("/{application_id}/files/{file_id}")
def download(session: PageSession, signed: ConsentingDep, application_id: str,
             file_id: str) -> Response:
    return file_response(affairs.resident_file(session, signed.resident, application_id,
                                               file_id))
