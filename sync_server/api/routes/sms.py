"""SMS templates, sending to a group of people in scope, and send records (contract 42, 108).

    GET/POST /api/admin/sms/templates        list / create (county admin creates)
    PATCH    /api/admin/sms/templates/{id}   rename, change the text, retire
    POST     /api/admin/sms/send             a template or text to the people with a tag
    GET      /api/admin/sms/messages         send records with the gateway's answers
"""
from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field


from ...services import sms as svc
from ..deps import NowDep, ScopeDep, SessionDep, SettingsDep, require_permission
from ..wire import UtcDateTime

router = APIRouter(prefix="/api/admin/sms", tags=["短信"])
# The same permission as the 短信 page; writing templates is the county's (the service checks).
Office = Annotated[Any, Depends(require_permission("web:sms"))]


def get_gateway(request: Request) -> svc.SmsGateway:
    return request.app.state.sms_gateway


GatewayDep = Annotated[svc.SmsGateway, Depends(get_gateway)]


class TemplateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(max_length=64, title="模板名称")
    body: str = Field(max_length=svc.BODY_MAX, title="短信内容")
    active: bool = Field(default=True, title="启用")


class TemplatePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    name: str
    body: str
    active: bool
    updated_at: UtcDateTime


class SendIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tag_code: str = Field(max_length=32, title="发送对象（标签）")
    template_id: str | None = Field(default=None, max_length=36, title="短信模板")
    body: str | None = Field(default=None, max_length=svc.BODY_MAX, title="短信内容")


class BatchPublic(BaseModel):
    batch_id: str
    sent: int
    failed: int


class MessagePublic(BaseModel):
    id: int
    at: UtcDateTime
    batch_id: str
    phone: str
    body: str
    status: str
    error: str | None


class MessagePage(BaseModel):
    items: list[MessagePublic]
    total: int


@router.get("/templates", response_model=list[TemplatePublic], summary="短信模板")
def templates(session: SessionDep, _: Office) -> Any:
    return svc.templates(session)


@router.post("/templates", response_model=TemplatePublic, status_code=201, summary="新建短信模板")
def add_template(body: TemplateIn, session: SessionDep, actor: Office, now: NowDep) -> Any:
    found = svc.save_template(session, actor, now=now, **body.model_dump())
    return TemplatePublic.model_validate(found)


@router.patch("/templates/{template_id}", response_model=TemplatePublic, summary="修改短信模板")
def change_template(template_id: str, body: TemplateIn, session: SessionDep,
                    actor: Office, now: NowDep) -> Any:
    found = svc.save_template(session, actor, now=now, template_id=template_id,
                              **body.model_dump())
    return TemplatePublic.model_validate(found)


@router.post("/send", response_model=BatchPublic, summary="按人群发送短信")
def send(body: SendIn, session: SessionDep, scope: ScopeDep, actor: Office, now: NowDep,
         settings: SettingsDep, gateway: GatewayDep) -> Any:
    report = svc.send_to_tag(session, scope, actor, gateway, tag_code=body.tag_code,
                             template_id=body.template_id, body=body.body, now=now,
                             settings=settings)
    return BatchPublic(batch_id=report.batch_id, sent=report.sent, failed=report.failed)


@router.get("/messages", response_model=MessagePage, summary="短信发送记录")
def messages(session: SessionDep, scope: ScopeDep, _: Office,
             limit: Annotated[int, Query(ge=1, le=500)] = 50,
             offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
             batch_id: Annotated[str | None, Query(max_length=36)] = None,
             status: Annotated[Literal["sent", "failed"] | None, Query()] = None) -> Any:
    items, total = svc.messages(session, scope, limit=limit, offset=offset, batch_id=batch_id,
                                status=status)
    return MessagePage(items=[MessagePublic(**i) for i in items], total=total)
