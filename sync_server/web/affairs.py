"""网上办事 and 主动上报 on the web console: the county's list of services (/admin/affairs/services)
and the applications and reports in the user's scope (/admin/affairs), each with its history,
its files and the steps the handling unit may take. Thin routes over services/affairs.py."""
from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from common import affairs as af
from common.errors import DomainError
from common.masking import mask_phone

from ..api.deps import NowDep
from ..api.errors import status_of
from ..services import affair_handling, affairs
from .deps import (FormDep, PageSession, WebScopeDep, WebUserDep, errors_of, page_permission,
                   render)

services_router = APIRouter(prefix="/admin/affairs/services", include_in_schema=False,
                            dependencies=[page_permission("web:affair_services")])
router = APIRouter(prefix="/admin/affairs", include_in_schema=False,
                   dependencies=[page_permission("web:affairs")])

SERVICE_FIELDS = ("name", "description", "level", "days")


def _service_values(form: Any) -> dict[str, Any]:
    values: dict[str, Any] = {k: str(form.get(k, "")) for k in SERVICE_FIELDS}
    values["material_label"] = [str(x) for x in form.getlist("material_label")]
    values["material_kind"] = [str(x) for x in form.getlist("material_kind")]
    values["material_required"] = [str(x) for x in form.getlist("material_required")]
    return values


def _rows_of(values: dict[str, Any]) -> list[dict[str, Any]]:
    """The material rows a form shows: what was typed, then empty rows up to the maximum."""
    labels, kinds = values.get("material_label", []), values.get("material_kind", [])
    required = set(values.get("material_required", []))
    rows = [{"label": label, "kind": kinds[i] if i < len(kinds) else "photo",
             "required": str(i) in required} for i, label in enumerate(labels) if label]
    return rows + [{"label": "", "kind": "photo", "required": False}] * (
        af.MAX_MATERIALS - len(rows))


def _services_page(request: Request, session, status_code: int = 200, *,  # noqa: ANN001
                   editing: Any = None, values: dict[str, Any] | None = None,
                   errors: dict[str, str] | None = None, message: str = "") -> Response:
    if values is None and editing is not None:
        values = {"name": editing.name, "description": editing.description,
                  "level": editing.level, "days": str(editing.days),
                  "material_label": [m["label"] for m in editing.materials],
                  "material_kind": [m["kind"] for m in editing.materials],
                  "material_required": [str(i) for i, m in enumerate(editing.materials)
                                        if m.get("required")]}
    values = values or {"level": "township", "days": "5"}
    return render(request, "affairs_services.html", status_code, title="办事事项",
                  services=affairs.services(session, active_only=False), editing=editing,
                  values=values, rows=_rows_of(values), errors=errors or {}, message=message,
                  levels=af.LEVELS, kinds=af.MATERIAL_KINDS)


@services_router.get("")
def service_list(request: Request, session: PageSession, signed: WebUserDep,
                 saved: str = "") -> Response:
    return _services_page(request, session, message=f"已保存“{saved}”" if saved else "")


@services_router.get("/{service_id}")
def service_edit(request: Request, session: PageSession, signed: WebUserDep,
                 service_id: str) -> Response:
    return _services_page(request, session,
                          editing=affairs.get_service(session, service_id, active_only=False))


def _save(request: Request, session, signed, now, form, service_id: str | None  # noqa: ANN001
          ) -> Response:
    values = _service_values(form)
    editing = (affairs.get_service(session, service_id, active_only=False)
               if service_id else None)
    try:
        row = affairs.save_service(session, signed.user, values, now=now,
                                   service_id=service_id)
    except DomainError as err:
        return _services_page(request, session, status_of(err), editing=editing,
                              values=values, errors=errors_of(err))
    return RedirectResponse(f"/admin/affairs/services?saved={quote(row.name)}", status_code=303)


@services_router.post("")
def service_create(request: Request, session: PageSession, signed: WebUserDep, now: NowDep,
                   form: FormDep) -> Response:
    return _save(request, session, signed, now, form, None)


@services_router.post("/{service_id}")
def service_update(request: Request, session: PageSession, signed: WebUserDep, now: NowDep,
                   service_id: str, form: FormDep) -> Response:
    return _save(request, session, signed, now, form, service_id)


@services_router.post("/{service_id}/active")
def service_active(request: Request, session: PageSession, signed: WebUserDep, now: NowDep,
                   service_id: str, form: FormDep) -> Response:
    affairs.set_active(session, signed.user, service_id, form.get("active") == "yes", now=now)
    return RedirectResponse("/admin/affairs/services", status_code=303)


# -- applications and reports ------------------------------------------------------------------

@router.get("")
def application_list(request: Request, session: PageSession, signed: WebUserDep,
                     scope: WebScopeDep, now: NowDep, kind: str = "",
                     list: str = "open") -> Response:  # noqa: A002
    which = list if list in affair_handling.LISTS else "open"
    kind = kind if kind in af.KINDS else ""
    title = af.KINDS.get(kind, "网上办事")
    return render(request, "affairs_list.html", title=title, kind=kind, which=which,
                  lists=affair_handling.LISTS, kinds=af.KINDS,
                  rows=affair_handling.staff_list(session, scope, kind=kind or None, which=which,
                                          now=now))


def _detail(request: Request, session, scope, now, application_id: str,  # noqa: ANN001
            status_code: int = 200, **context: Any) -> Response:
    view = affair_handling.staff_view(session, scope, application_id, now=now)
    context.setdefault("values", {})
    context.setdefault("errors", {})
    return render(request, "affairs_detail.html", status_code, title=view.row.title, a=view,
                  action_labels={k: af.ACTIONS[k].label for k in af.ACTIONS},
                  targets=affair_handling.transfer_targets(session), mask_phone=mask_phone,
                  **context)


@router.get("/{application_id}")
def application_detail(request: Request, session: PageSession, signed: WebUserDep,
                       scope: WebScopeDep, now: NowDep, application_id: str) -> Response:
    return _detail(request, session, scope, now, application_id)


@router.post("/{application_id}/step")
def application_step(request: Request, session: PageSession, signed: WebUserDep,
                     scope: WebScopeDep, now: NowDep, application_id: str,
                     form: FormDep) -> Response:
    values = {k: str(form.get(k, "")) for k in ("action", "note", "target_id")}
    try:
        affair_handling.act(session, scope, signed.user, application_id, values["action"],
                    note=values["note"], target_id=values["target_id"], now=now)
    except DomainError as err:
        if err.code == "not_found":
            raise
        return _detail(request, session, scope, now, application_id, status_of(err),
                       values=values, errors=errors_of(err))
    return RedirectResponse(f"/admin/affairs/{application_id}", status_code=303)


@router.get("/{application_id}/files/{file_id}")
def application_file(session: PageSession, signed: WebUserDep, scope: WebScopeDep,
                     now: NowDep, application_id: str, file_id: str) -> Response:
    found = affair_handling.staff_file(session, scope, signed.user, application_id, file_id,
                                       now=now)
    return file_response(found)


def file_response(found: Any) -> Response:
    """A stored file as a download (never shown inline: a PDF or photo a resident sent)."""
    ext = ".pdf" if found.mime == "application/pdf" else ".jpg"
    return Response(found.data, media_type=found.mime, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(found.label + ext)}",
        "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"})


ROUTERS = (services_router, router)
