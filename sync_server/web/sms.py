"""The push centre (短信, contract items 42 and 108): templates (county admin writes), sending a
template or free text to the people with a tag (count previewed, then confirmed) and the send
records with each recipient's result, phones masked. Over services/sms.py, like the JSON API."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from common.errors import DomainError

from ..api.deps import NowDep, SettingsDep
from ..api.errors import status_of
from ..services import sms
from ..services.dictionary_admin import list_entries
from .deps import FormDep, PageSession, WebScopeDep, WebUserDep, page_permission, render

router = APIRouter(prefix="/admin/sms", include_in_schema=False,
                   dependencies=[page_permission("web:sms")])
PAGE_SIZE = 50


# -- templates ---------------------------------------------------------------------------------
def _templates_page(request: Request, session, *, status_code: int = 200,
                    editing: str | None = None, values: dict | None = None,
                    errors: dict[str, str] | None = None) -> Response:
    return render(request, "sms_templates.html", status_code=status_code, title="短信模板",
                  templates=sms.templates(session), editing=editing, values=values or {},
                  errors=errors or {}, placeholders=sms.PLACEHOLDERS)


@router.get("/templates")
def templates(request: Request, session: PageSession, signed: WebUserDep,
              edit: str | None = None) -> Response:
    values = {}
    if edit:
        found = next((t for t in sms.templates(session) if t.id == edit), None)
        if found is None:
            raise DomainError("not_found")
        values = {"name": found.name, "body": found.body, "active": found.active}
    return _templates_page(request, session, editing=edit, values=values)


@router.post("/templates")
def save_template(request: Request, session: PageSession, signed: WebUserDep, now: NowDep,
                  form: FormDep) -> Response:
    template_id = str(form.get("template_id", "")) or None
    values = {"name": str(form.get("name", "")), "body": str(form.get("body", "")),
              "active": form.get("active") == "true" or template_id is None}
    try:
        sms.save_template(session, signed.user, now=now, template_id=template_id, **values)
    except DomainError as err:
        if err.code == "forbidden":
            raise
        return _templates_page(request, session, status_code=status_of(err),
                               editing=template_id, values=values,
                               errors={err.field or "name": err.message()})
    return RedirectResponse("/admin/sms/templates", status_code=303)


# -- sending -----------------------------------------------------------------------------------
def _send_page(request: Request, session, *, status_code: int = 200, values: dict | None = None,
               errors: dict[str, str] | None = None, count: int | None = None) -> Response:
    return render(request, "sms_send.html", status_code=status_code, title="短信发送",
                  tags=[(e.code, e.label) for e in list_entries(session, "tag")],
                  templates=sms.templates(session, active_only=True), values=values or {},
                  errors=errors or {}, count=count)


@router.get("/send")
def send_form(request: Request, session: PageSession, signed: WebUserDep) -> Response:
    return _send_page(request, session)


@router.post("/send")
def send(request: Request, session: PageSession, signed: WebUserDep, scope: WebScopeDep,
         settings: SettingsDep, now: NowDep, form: FormDep) -> Response:
    """`confirm` absent: check the form and answer the count of recipients; present: send."""
    values = {"tag_code": str(form.get("tag_code", "")),
              "template_id": str(form.get("template_id", "")) or None,
              "body": str(form.get("body", ""))}
    try:
        if form.get("confirm") != "yes":
            if not values["tag_code"]:
                raise DomainError("required", "tag_code", label="发送对象")
            sms.check_body(sms.text_of(session, values["template_id"], values["body"]))
            count = len(sms.recipients_with_tag(session, scope, values["tag_code"]))
            if not count:
                raise DomainError("sms_no_recipients", "tag_code")
            return _send_page(request, session, values=values, count=count)
        report = sms.send_to_tag(session, scope, signed.user, request.app.state.sms_gateway,
                                 now=now, settings=settings, **values)
    except DomainError as err:
        return _send_page(request, session, status_code=status_of(err), values=values,
                          errors={err.field or "tag_code": err.message()})
    return RedirectResponse(f"/admin/sms/records?batch={report.batch_id}", status_code=303)


# -- records -----------------------------------------------------------------------------------
@router.get("/records")
def records(request: Request, session: PageSession, signed: WebUserDep, scope: WebScopeDep,
            batch: str | None = None, page: int = 1) -> Response:
    page = max(1, min(page, 100_000))
    items, total = sms.messages(session, scope, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE,
                                batch_id=(batch or None) and batch[:36])
    return render(request, "sms_records.html", title="短信发送记录", items=items, total=total,
                  page=page, pages=max(1, -(-total // PAGE_SIZE)), batch=batch or "",
                  sent=sum(i["status"] == "sent" for i in items),
                  failed=sum(i["status"] == "failed" for i in items))
