"""SMS: the pluggable gateway, templates and send records (短信, contract items 42 and 108).

A gateway has one method, `send(phone, text) -> GatewayAnswer`. `LogFileGateway` (the default)
appends each message as a JSON line to a file: what development and the tests read. `HttpGateway`
posts to a three-network SMS provider's HTTP API; choosing it is one settings entry
(`SMS_GATEWAY=http`, `SMS_HTTP_URL`, `SMS_HTTP_KEY`). Every message sent is a `SmsMessage` row
with the gateway's answer; a batch is one operation-log entry."""
from __future__ import annotations

import datetime as dt
import json
import re
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from common.errors import DomainError
from common.masking import mask_phone
from common.schema import OrgNode, Person, PersonTag, User
from common.validation import MOBILE_RE, normalise_phone

from ..db.tables import SmsMessage, SmsTemplate
from ..settings import Settings
from .oplog import log_operation
from .scope import Scope

PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
PLACEHOLDERS = {"name": "姓名", "grid": "网格", "date": "日期"}
"""What a template may use: {name} the recipient's name, {grid} their grid, {date} today."""
BODY_MAX = 300
BATCH_MAX = 5000


@dataclass(frozen=True)
class GatewayAnswer:
    ok: bool
    gateway_id: str | None = None
    error: str | None = None


class SmsGateway(Protocol):
    def send(self, phone: str, text: str) -> GatewayAnswer: ...


class LogFileGateway:
    """Appends `{"at", "phone", "text"}` JSON lines to `path`: the default gateway."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def send(self, phone: str, text: str) -> GatewayAnswer:
        line = json.dumps({"at": dt.datetime.now(dt.UTC).isoformat(), "phone": phone,
                           "text": text}, ensure_ascii=False)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock, self.path.open("a", encoding="utf-8") as f:
            f.write(line + "\n")
        return GatewayAnswer(True, gateway_id=uuid.uuid4().hex[:16])

    def messages(self) -> list[dict[str, str]]:
        if not self.path.exists():
            return []
        return [json.loads(x) for x in self.path.read_text(encoding="utf-8").splitlines() if x]


class HttpGateway:
    """A provider's HTTP API: POST {"phone", "text"} with an API key header; a 2xx answer with
    {"id"} is sent, anything else failed with the provider's message."""

    def __init__(self, url: str, key: str | None, *, timeout: float = 10.0) -> None:
        self.url, self.key, self.timeout = url, key, timeout

    def send(self, phone: str, text: str) -> GatewayAnswer:
        try:
            resp = httpx.post(self.url, json={"phone": phone, "text": text}, timeout=self.timeout,
                              headers={"X-Api-Key": self.key or ""})
        except httpx.HTTPError as exc:
            return GatewayAnswer(False, error=f"短信平台无法连接：{type(exc).__name__}")
        if resp.status_code // 100 != 2:
            return GatewayAnswer(False, error=f"短信平台拒绝（{resp.status_code}）：{resp.text[:120]}")
        try:
            answer: Any = resp.json()
        except ValueError:
            answer = {}
        return GatewayAnswer(True, gateway_id=str(answer.get("id") or "")[:64] or None)


def gateway_for(settings: Settings) -> SmsGateway:
    if settings.sms_gateway == "http":
        assert settings.sms_http_url is not None  # checked by Settings
        return HttpGateway(settings.sms_http_url, settings.sms_http_key)
    assert settings.sms_log is not None
    return LogFileGateway(settings.sms_log)


# -- templates ---------------------------------------------------------------------------------
def check_body(body: str, field: str = "body") -> str:
    body = (body or "").strip()
    if not body:
        raise DomainError("required", field, label="短信内容")
    if len(body) > BODY_MAX:
        raise DomainError("too_long", field, label="短信内容", max=BODY_MAX, length=len(body))
    unknown = sorted({p for p in PLACEHOLDER.findall(body) if p not in PLACEHOLDERS})
    if unknown:
        raise DomainError("sms_placeholder_unknown", field,
                          names="、".join(f"{{{p}}}" for p in unknown),
                          known="、".join(f"{{{k}}}{v}" for k, v in PLACEHOLDERS.items()))
    return body


def save_template(session: Session, actor: User, *, name: str, body: str, now: dt.datetime,
                  template_id: str | None = None, active: bool = True) -> SmsTemplate:
    """Create (no `template_id`) or change a template: a county admin's (the township offices
    send with them). Never commits."""
    if actor.role != "county_admin":
        raise DomainError("forbidden")
    name = (name or "").strip()
    if not name:
        raise DomainError("required", "name", label="模板名称")
    if len(name) > 64:
        raise DomainError("too_long", "name", label="模板名称", max=64, length=len(name))
    body = check_body(body)
    clash = session.scalar(select(SmsTemplate).where(SmsTemplate.name == name))
    if clash is not None and clash.id != template_id:
        raise DomainError("sms_template_name_taken", "name", name=name)
    if template_id is None:
        template = SmsTemplate(id=str(uuid.uuid4()), name=name, body=body, active=active,
                               updated_at=now, updated_by=actor.id)
        session.add(template)
        action = "create"
    else:
        template = session.get(SmsTemplate, template_id)
        if template is None:
            raise DomainError("not_found")
        template.name, template.body, template.active = name, body, active
        template.updated_at, template.updated_by = now, actor.id
        action = "update"
    session.flush()
    log_operation(session, user=actor, action=action, now=now, entity="sms_templates",
                  record_id=template.id, details={"name": name})
    return template


def templates(session: Session, *, active_only: bool = False) -> list[SmsTemplate]:
    query = select(SmsTemplate).order_by(SmsTemplate.name)
    if active_only:
        query = query.where(SmsTemplate.active.is_(True))
    return list(session.scalars(query))


def render(body: str, values: dict[str, str]) -> str:
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), ""), body)


# -- sending -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Recipient:
    person_id: str | None
    name: str
    phone: str
    grid: str
    path: str | None


def recipients_with_tag(session: Session, scope: Scope, tag_code: str) -> list[Recipient]:
    """People in `scope` carrying `tag_code`, alive and not moved out, with a mobile number."""
    rows = session.execute(
        select(Person.id, Person.name, Person.phone, OrgNode.name, OrgNode.path)
        .join(PersonTag, (PersonTag.person_id == Person.id) & PersonTag.deleted.is_(False))
        .join(OrgNode, OrgNode.id == Person.grid_id)
        .where(PersonTag.tag_code == tag_code, Person.deleted.is_(False),
               Person.status == "normal", scope.condition(Person))
        .order_by(Person.name)).all()
    seen: set[str] = set()
    found = []
    for pid, name, phone, grid, path in rows:
        number = normalise_phone(phone)
        if pid in seen or not MOBILE_RE.match(number):
            continue
        seen.add(pid)
        found.append(Recipient(pid, name, number, grid, path))
    return found


@dataclass(frozen=True)
class BatchReport:
    batch_id: str
    sent: int
    failed: int
    skipped_no_phone: int


def send_batch(session: Session, scope: Scope, actor: User, gateway: SmsGateway,
               recipients: list[Recipient], *, body: str, now: dt.datetime,
               template_id: str | None = None, settings: Settings,
               skipped_no_phone: int = 0) -> BatchReport:
    """Send `body` (a template's text, placeholders filled per person) to each recipient in
    scope and record every answer. Never commits; the caller's transaction holds the records."""
    body = check_body(body)
    if not recipients:
        raise DomainError("sms_no_recipients")
    if len(recipients) > BATCH_MAX:
        raise DomainError("sms_batch_too_large", max=BATCH_MAX, count=len(recipients))
    if any(r.path is None or not scope.contains_path(r.path) for r in recipients):
        raise DomainError("out_of_scope")
    batch = str(uuid.uuid4())
    sent = failed = 0
    today = now.date().isoformat()
    for r in recipients:
        text = settings.sms_signature + render(body, {"name": r.name, "grid": r.grid,
                                                      "date": today})
        answer = gateway.send(r.phone, text)
        session.add(SmsMessage(at=now, batch_id=batch, purpose="notice", template_id=template_id,
                               person_id=r.person_id, phone=r.phone, body=text[:600],
                               status="sent" if answer.ok else "failed",
                               error=(answer.error or "")[:200] or None,
                               gateway_id=answer.gateway_id, sent_by=actor.id,
                               scope_path=r.path))
        sent += answer.ok
        failed += not answer.ok
    log_operation(session, user=actor, action="sms_send", now=now, entity="sms_messages",
                  record_id=batch, details={"sent": sent, "failed": failed,
                                            "template_id": template_id})
    return BatchReport(batch, sent, failed, skipped_no_phone)


def text_of(session: Session, template_id: str | None, body: str | None) -> str:
    """The text to send: an active template's, else `body` (checked by send_batch)."""
    if template_id:
        found = next((t for t in templates(session, active_only=True) if t.id == template_id),
                     None)
        if found is None:
            raise DomainError("not_found", "template_id")
        return found.body
    return body or ""


def send_to_tag(session: Session, scope: Scope, actor: User, gateway: SmsGateway, *,
                tag_code: str, template_id: str | None, body: str | None, now: dt.datetime,
                settings: Settings) -> BatchReport:
    """A template or free text to the people in scope with `tag_code` (the JSON API and the
    console's send form). Never commits."""
    if not tag_code:
        raise DomainError("required", "tag_code", label="发送对象")
    text = text_of(session, template_id, body)
    return send_batch(session, scope, actor, gateway,
                      recipients_with_tag(session, scope, tag_code), body=text, now=now,
                      template_id=template_id, settings=settings)


def send_code(session: Session, gateway: SmsGateway, phone: str, code: str, *,
              now: dt.datetime, settings: Settings, user: User | None = None) -> GatewayAnswer:
    """A sign-in code by SMS; its record keeps the number and result, not the code."""
    text = f"{settings.sms_signature}您的登录验证码是 {code}，5 分钟内有效。如非本人操作请忽略。"
    answer = gateway.send(phone, text)
    session.add(SmsMessage(at=now, batch_id=str(uuid.uuid4()), purpose="sign_in", phone=phone,
                           body=text.replace(code, "******"),
                           status="sent" if answer.ok else "failed",
                           error=(answer.error or "")[:200] or None,
                           gateway_id=answer.gateway_id, sent_by=user.id if user else None))
    return answer


def messages(session: Session, scope: Scope, *, limit: int, offset: int,
             batch_id: str | None = None, status: str | None = None,
             reveal: bool = False) -> tuple[list[dict[str, Any]], int]:
    """Send records in scope, newest first, phone numbers masked unless `reveal`."""
    query = select(SmsMessage).where(SmsMessage.purpose == "notice",
                                     SmsMessage.scope_path.startswith(scope.path or "\0",
                                                                      autoescape=True))
    if batch_id:
        query = query.where(SmsMessage.batch_id == batch_id)
    if status:
        query = query.where(SmsMessage.status == status)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(SmsMessage.at.desc(), SmsMessage.id.desc())
                           .limit(limit).offset(offset))
    return [{"id": m.id, "at": m.at, "batch_id": m.batch_id,
             "phone": m.phone if reveal else mask_phone(m.phone), "body": m.body,
             "status": m.status, "error": m.error} for m in rows], total


__all__ = ["GatewayAnswer", "SmsGateway", "LogFileGateway", "HttpGateway", "gateway_for",
           "save_template", "templates", "render", "check_body", "recipients_with_tag",
           "send_batch", "send_to_tag", "text_of", "send_code", "messages", "Recipient", "BatchReport"]
