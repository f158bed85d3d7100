"""Open311 GeoReport v2 for events (接诉即办), beside the product's own API: the service list
is the event categories, a request is filed through the same checks and write as a resident's
report (resident_reports.create_event), and a registered client follows the requests it filed.

A client is registered by a county admin and gets an api_key (stored as a hash); every call
carries it. Limits: PER_CLIENT_HOUR requests filed per client an hour. Times are ISO 8601 with
the county's zone (+08:00). Never commits.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from common.dictionaries import label as dict_label
from common.errors import DomainError, ValidationError, ValidationErrors
from common.schema import Event, EventAction, OrgNode, User
from common.validation import check_phone

from ..db.resident_tables import Open311Client, Open311Request
from .attachments import AttachmentFiles
from .oplog import log_operation
from .resident_reports import (ADDRESS_MAX, Reporter, categories, create_event, places,
                               village_in)

ZONE = dt.timezone(dt.timedelta(hours=8))
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
PER_CLIENT_HOUR = 200
DEFAULT_DAYS = 90  # GET requests without dates: the last 90 days (the specification's default)
MAX_RESULTS = 1000
_POSITION = re.compile(r"定位 (-?\d+\.\d+),(-?\d+\.\d+)")


def _hash(key: str) -> str:
    return hashlib.sha256(f"open311:{key}".encode()).hexdigest()


def iso(value: dt.datetime | None) -> str | None:
    """A stored (naive UTC) time as ISO 8601 with the county's zone."""
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC).astimezone(ZONE).isoformat(timespec="seconds")


def parse_time(value: str, field: str) -> dt.datetime:
    try:
        parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValidationErrors([ValidationError("open311_time_invalid", field, label=field,
                                                value=value[:40])]) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZONE)
    return parsed.astimezone(dt.UTC).replace(tzinfo=None)


# -- clients -----------------------------------------------------------------------------------
def register_client(session: Session, actor: User, name: str, *,
                    now: dt.datetime) -> tuple[Open311Client, str]:
    """A new client and its api_key (shown once; only its hash is kept)."""
    name = (name or "").strip()
    if not name:
        raise ValidationErrors([ValidationError("required", "name", label="接入方名称")])
    if len(name) > 64:
        raise ValidationErrors([ValidationError("too_long", "name", label="接入方名称", max=64,
                                                length=len(name))])
    if session.scalar(select(Open311Client).where(Open311Client.name == name)) is not None:
        raise ValidationErrors([ValidationError("open311_name_taken", "name", name=name)])
    key = secrets.token_urlsafe(24)
    client = Open311Client(id=str(uuid.uuid4()), name=name, key_hash=_hash(key), active=True,
                           created_at=now, created_by=actor.id)
    session.add(client)
    session.flush()
    log_operation(session, user=actor, action="create", now=now, entity="open311_clients",
                  record_id=client.id, details={"name": name})
    return client, key


def set_active(session: Session, actor: User, client_id: str, active: bool, *,
               now: dt.datetime) -> None:
    client = session.get(Open311Client, client_id)
    if client is None:
        raise DomainError("not_found")
    client.active = active
    session.flush()
    log_operation(session, user=actor, action="update", now=now, entity="open311_clients",
                  record_id=client.id, details={"active": active})


def clients(session: Session) -> list[Open311Client]:
    return list(session.scalars(select(Open311Client).order_by(Open311Client.created_at)))


def client_of(session: Session, api_key: str | None) -> Open311Client:
    client = session.scalar(select(Open311Client).where(
        Open311Client.key_hash == _hash(api_key))) if api_key else None
    if client is None or not client.active:
        raise DomainError("open311_key_invalid", "api_key")
    return client


# -- discovery and services --------------------------------------------------------------------
def discovery(base_url: str, *, now: dt.datetime) -> dict[str, Any]:
    return {"changeset": iso(dt.datetime(2026, 12, 4)), "contact": "请联系县网格化服务管理中心",
            "key_service": "由县级管理员在管理端“接诉即办 > Open311 接入”登记后发放 api_key",
            "endpoints": [{"specification": SPECIFICATION, "url": base_url,
                           "changeset": iso(dt.datetime(2026, 12, 4)), "type": "production",
                           "formats": ["application/json"]}]}


def services(session: Session) -> list[dict[str, Any]]:
    return [{"service_code": code, "service_name": name, "description": f"反映{name}类问题",
             "metadata": True, "type": "realtime", "keywords": name, "group": "接诉即办"}
            for code, name in categories(session)]


def definition(session: Session, code: str) -> dict[str, Any]:
    if code not in dict(categories(session)):
        raise DomainError("not_found")
    return {"service_code": code, "attributes": [{
        "variable": True, "code": "village_id", "datatype": "singlevaluelist",
        "required": False, "datatype_description": "所在村/社区（不填时按 address_string 中的村/社区名称确定）",
        "order": 1, "description": "所在村/社区",
        "values": [{"key": k, "name": n} for k, n in places(session)]}]}


# -- requests ----------------------------------------------------------------------------------
def post_request(session: Session, files: AttachmentFiles, client: Open311Client,
                 form: dict[str, str], *, now: dt.datetime) -> list[dict[str, Any]]:
    """File a request: the same checks and write as a resident's report."""
    address = (form.get("address_string") or "").strip()[:ADDRESS_MAX + 1]
    description = (form.get("description") or "").strip()
    village = (form.get("attribute[village_id]") or "").strip() or \
        village_in(session, f"{address} {description}")
    phone = (form.get("phone") or "").strip()
    if phone:
        phone = check_phone(phone, field="phone", label="phone")
    name = " ".join(x for x in ((form.get("last_name") or "").strip(),
                                (form.get("first_name") or "").strip()) if x)
    media = (form.get("media_url") or "").strip()
    if media.startswith(("http://", "https://")) and len(media) <= 300:
        description = f"{description}\n（附图链接：{media}）" if description else description

    def limits() -> None:
        filed = session.scalar(select(func.count()).where(
            Open311Request.client_id == client.id,
            Open311Request.created_at > now - dt.timedelta(hours=1))) or 0
        if filed >= PER_CLIENT_HOUR:
            raise DomainError("open311_limit", per_hour=PER_CLIENT_HOUR)

    event = create_event(session, files, Reporter(client.id, (name or client.name)[:64],
                                                  phone or None),
                         category=(form.get("service_code") or "").strip(),
                         description=description, village_id=village, address=address,
                         lat=form.get("lat") or "", lon=form.get("long") or "", photos=[],
                         now=now, limits=limits, source="hotline")
    session.add(Open311Request(event_id=event.id, client_id=client.id, created_at=now))
    session.flush()
    return [{"service_request_id": event.id, "service_notice": "已受理，将转所在网格办理",
             "account_id": None}]


def _answer(session: Session, event_id: str) -> str | None:
    return session.scalar(select(EventAction.note).where(
        EventAction.event_id == event_id, EventAction.action == "close",
        EventAction.deleted.is_(False)).order_by(EventAction.acted_at.desc()).limit(1))


def _request(session: Session, event: Event, agencies: dict[str, str]) -> dict[str, Any]:
    closed = event.status == "closed"
    found = _POSITION.search(event.location or "")
    address = _POSITION.sub("", event.location or "").replace("（）", "").strip()
    return {"service_request_id": event.id, "status": "closed" if closed else "open",
            "status_notes": (_answer(session, event.id) if closed else
                             dict_label("event_status", event.status)),
            "service_name": dict_label("event_category", event.category) or event.category,
            "service_code": event.category, "description": event.description,
            "agency_responsible": agencies.get(event.grid_id or "", ""),
            "service_notice": None, "requested_datetime": iso(event.reported_at),
            "updated_datetime": iso(event.updated_at), "expected_datetime": iso(event.due_at),
            "address": address or None, "address_id": None, "zipcode": None,
            "lat": float(found.group(1)) if found else None,
            "long": float(found.group(2)) if found else None, "media_url": None}


def _agencies(session: Session, grid_ids: set[str | None]) -> dict[str, str]:
    ids = {i for i in grid_ids if i}
    return dict(session.execute(select(OrgNode.id, OrgNode.name).where(OrgNode.id.in_(ids)))
                .all()) if ids else {}


def get_requests(session: Session, client: Open311Client, params: dict[str, str], *,
                 now: dt.datetime) -> list[dict[str, Any]]:
    """The client's own requests: by id list, or by service, status and dates (the last 90
    days by default), newest first, at most MAX_RESULTS."""
    query = select(Event).join(Open311Request, Open311Request.event_id == Event.id).where(
        Open311Request.client_id == client.id, Event.deleted.is_(False))
    ids = [i.strip() for i in (params.get("service_request_id") or "").split(",") if i.strip()]
    if ids:
        query = query.where(Event.id.in_(ids[:MAX_RESULTS]))
    else:
        end = parse_time(params["end_date"], "end_date") if params.get("end_date") else now
        start = (parse_time(params["start_date"], "start_date") if params.get("start_date")
                 else end - dt.timedelta(days=DEFAULT_DAYS))
        query = query.where(Event.reported_at >= start, Event.reported_at <= end)
        if params.get("service_code"):
            query = query.where(Event.category.in_(params["service_code"].split(",")))
        status = (params.get("status") or "").strip()
        if status == "open":
            query = query.where(Event.status != "closed")
        elif status == "closed":
            query = query.where(Event.status == "closed")
        elif status:
            raise ValidationErrors([ValidationError("open311_status_invalid", "status",
                                                    value=status[:20])])
    events = list(session.scalars(query.order_by(Event.reported_at.desc()).limit(MAX_RESULTS)))
    agencies = _agencies(session, {e.grid_id for e in events})
    return [_request(session, e, agencies) for e in events]


def get_request(session: Session, client: Open311Client, request_id: str) -> list[dict[str, Any]]:
    found = get_requests(session, client, {"service_request_id": request_id}, now=dt.datetime.min)
    if not found:
        raise DomainError("not_found")
    return found
