"""随手拍 and 我的反映 on the resident side: a resident's report becomes an Event in the grid that
holds the place, through the same checks as every write of a synced record
(services/authorize.authorize_and_validate, then changes.apply_change), so it reaches that
grid's devices at their next sync with its photos' thumbnails. The resident follows it (a public
status, the public part of its history, the answer) and rates the answer; a low rating marks it
不满意 and can reopen it. A resident sees only their own reports, and never a staff name.

Photos: at most MAX_PHOTOS, each at most MAX_PHOTO_BYTES, opened by Pillow; what is stored is
the picture re-encoded without EXIF (so nothing shown carries the camera's metadata); a GPS
position in the EXIF is kept in the event's location. Never commits.
"""
from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from common.attachments import (THUMB_MAX_BYTES, THUMB_MAX_PX, photo_hashes, photo_ref,
                                sha256_hex, thumb_bytes)
from common.dictionaries import label as dict_label
from common.errors import DomainError, ValidationError, ValidationErrors
from common.masking import mask_phone
from common.schema import DictEntry, Event, EventAction, House, OrgNode, new_id

from ..db.resident_tables import EventTimeLimit, Resident, ResidentReport
from . import geo, locks
from .attachments import AttachmentFiles, receive_whole
from .authorize import authorize_and_validate
from .changes import apply_change
from .scope import Scope

MAX_PHOTOS = 3
MAX_PHOTO_BYTES = 4 * 1024 * 1024
DESCRIPTION_MAX = 500
ADDRESS_MAX = 120
PER_RESIDENT_DAY = 10  # reports one resident may file in a day
PER_ADDRESS_HOUR = 30  # reports filed from one network address in an hour
TIME_LIMIT_DAYS = {"safety": 1, "infrastructure": 5, "environment": 3, "dispute": 5,
                   "livelihood": 5, "other": 5}
"""Days allowed to answer a report, by category (the county may change them)."""
DEFAULT_LIMIT_DAYS = 5
LOW_RATING = 2  # 1-2 stars: 不满意
PUBLIC_ACTIONS = ("assign", "transfer", "handle", "escalate", "postpone", "close", "rate",
                  "reopen")
"""Steps the reporter sees (when and what, never who, never internal notes)."""
PUBLIC_STEP = {"assign": "已派发给网格员", "transfer": "已转交办理", "handle": "正在办理",
               "escalate": "已上报上级部门", "postpone": "办理时限已延长", "close": "已答复",
               "rate": "您已评价", "reopen": "已重新办理"}
STATUS_LABELS = {"received": "已受理", "assigned": "已派发", "handling": "办理中",
                 "answered": "已答复", "closed": "已办结"}


def categories(session: Session) -> list[tuple[str, str]]:
    """The event categories dictionary as the county keeps it (active entries, in order)."""
    return [(c, lbl) for c, lbl in session.execute(
        select(DictEntry.code, DictEntry.label).where(
            DictEntry.dict_code == "event_category", DictEntry.active.is_(True),
            DictEntry.deleted.is_(False)).order_by(DictEntry.sort, DictEntry.code))]


def places(session: Session) -> list[tuple[str, str]]:
    """Villages and communities a report can be placed in: (id, "乡镇 / 村社区")."""
    towns = dict(session.execute(select(OrgNode.id, OrgNode.name).where(
        OrgNode.level == "township", OrgNode.deleted.is_(False))).all())
    rows = session.execute(select(OrgNode.id, OrgNode.name, OrgNode.parent_id).where(
        OrgNode.level == "village", OrgNode.deleted.is_(False))
        .order_by(OrgNode.sort, OrgNode.name)).all()
    return [(i, f"{towns.get(p, '')} / {n}") for i, n, p in rows]


def grid_for(session: Session, village_id: str, address: str) -> OrgNode:
    """The grid that holds the place: the grid of a house of the village whose door plate or
    address the resident's address names, else the village's first grid."""
    village = session.get(OrgNode, village_id) if village_id else None
    if village is None or village.deleted or village.level != "village":
        raise ValidationErrors([ValidationError("required", "village_id", label="所在村/社区")])
    grids = list(session.scalars(select(OrgNode).where(
        OrgNode.parent_id == village.id, OrgNode.level == "grid", OrgNode.deleted.is_(False))
        .order_by(OrgNode.sort, OrgNode.name)))
    if not grids:
        raise DomainError("resident_no_grid", "village_id", village=village.name)
    by_id = {g.id: g for g in grids}
    for plate, addr, grid_id in session.execute(select(
            House.door_plate, House.address, House.grid_id).where(
            House.grid_id.in_(by_id), House.deleted.is_(False))):
        if any(x and len(x) >= 3 and x in address for x in (plate, addr)):
            return by_id[grid_id]
    return grids[0]


@dataclass(frozen=True)
class CheckedPhoto:
    data: bytes  # re-encoded without EXIF
    mime: str
    thumb: bytes
    gps: tuple[float, float] | None


def _gps(exif: Any) -> tuple[float, float] | None:
    try:
        info = exif.get_ifd(0x8825)
        if not info or 2 not in info or 4 not in info:
            return None

        def degrees(v: Any, ref: str) -> float:
            d, m, s = (float(x) for x in v)
            value = d + m / 60 + s / 3600
            return -value if ref in ("S", "W") else value
        return (round(degrees(info[2], info.get(1, "N")), 6),
                round(degrees(info[4], info.get(3, "E")), 6))
    except (KeyError, TypeError, ValueError, ZeroDivisionError, AttributeError):
        return None


def check_photo(data: bytes, index: int) -> CheckedPhoto:
    """A real image within the limits, re-encoded as JPEG without its metadata, its thumbnail
    and the GPS position its EXIF carried (if any)."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    field = f"photo{index}"
    if len(data) > MAX_PHOTO_BYTES:
        raise DomainError("resident_photo_too_large", field, n=index + 1,
                          size_mb=f"{len(data) / 1048576:.1f}",
                          limit_mb=MAX_PHOTO_BYTES // 1048576)
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.format not in ("JPEG", "PNG", "WEBP"):
                raise DomainError("resident_photo_not_image", field, n=index + 1)
            if img.width * img.height > 40_000_000:
                raise DomainError("resident_photo_too_large", field, n=index + 1,
                                  size_mb=f"{len(data) / 1048576:.1f}",
                                  limit_mb=MAX_PHOTO_BYTES // 1048576)
            gps = _gps(img.getexif())
            img = ImageOps.exif_transpose(img)
            if img.mode not in ("RGB", "L"):
                img = img.convert("RGB")
            img.thumbnail((2048, 2048))
            out = io.BytesIO()
            img.save(out, "JPEG", quality=80, optimize=True)  # no exif= : metadata dropped
            small = img.copy()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombError) as exc:
        raise DomainError("resident_photo_not_image", field, n=index + 1) from exc
    small.thumbnail((THUMB_MAX_PX, THUMB_MAX_PX))
    thumb = b""
    for quality in (70, 55, 40, 30, 20):
        buf = io.BytesIO()
        small.save(buf, "JPEG", quality=quality, optimize=True)
        thumb = buf.getvalue()
        if len(thumb) <= THUMB_MAX_BYTES:
            break
    return CheckedPhoto(out.getvalue(), "image/jpeg", thumb, gps)


def _check_limits(session: Session, resident: Resident, address: str, now: dt.datetime) -> None:
    # the count and the insert after it are one step per resident and address (services/locks)
    locks.hold(session, f"resident_report:{resident.id}", f"resident_report:addr:{address[:64]}")
    mine = session.scalar(select(func.count()).where(
        ResidentReport.resident_id == resident.id,
        ResidentReport.created_at > now - dt.timedelta(days=1))) or 0
    here = session.scalar(select(func.count()).where(
        ResidentReport.address == address[:64],
        ResidentReport.created_at > now - dt.timedelta(hours=1))) or 0
    if mine >= PER_RESIDENT_DAY or here >= PER_ADDRESS_HOUR:
        raise DomainError("resident_report_limit", per_day=PER_RESIDENT_DAY)


def _position(value: str, field: str, label: str, bound: float) -> float | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        number = bound * 2
    if not -bound <= number <= bound:
        raise ValidationErrors([ValidationError("number_invalid", field, label=label,
                                                value=value[:20])])
    return number


def due_at(session: Session, category: str, received_at: dt.datetime) -> dt.datetime:
    """When an event received now must be answered: the county's limit for its category
    (services/hotline.py sets it), else the default."""
    row = session.get(EventTimeLimit, category)
    days = row.days if row is not None else TIME_LIMIT_DAYS.get(category, DEFAULT_LIMIT_DAYS)
    return received_at + dt.timedelta(days=days)


@dataclass(frozen=True)
class Reporter:
    """Who files: the uploader id their photos are recorded under, and what the event shows."""

    id: str
    name: str
    phone: str | None


def filed_from(session: Session, resident: Resident, form_id: str) -> str | None:
    """The event a resident's form already filed (the form sent again after its answer was lost
    on the way, or tapped twice), or None. Holds the resident's filing lock first, so a second
    copy arriving at the same instant waits for the first one's commit and then finds it."""
    if not form_id:
        return None
    locks.hold(session, f"resident_report:{resident.id}")
    return session.scalar(select(ResidentReport.event_id).where(
        ResidentReport.resident_id == resident.id, ResidentReport.form_id == form_id[:36]))


def file_report(session: Session, files: AttachmentFiles, resident: Resident, *,
                category: str, description: str, village_id: str, address: str,
                lat: str = "", lon: str = "", photos: list[bytes], client: str,
                now: dt.datetime, form_id: str = "") -> Event:
    """A 随手拍 becomes a pending event in the grid holding the place, due by its category's
    time limit. Refusals name the field; nothing is written when any check fails."""
    reporter = Reporter(resident.id, "居民" + (mask_phone(resident.phone or "") or ""),
                        resident.phone)
    event = create_event(session, files, reporter, category=category,
                         description=description, village_id=village_id, address=address,
                         lat=lat, lon=lon, photos=photos, now=now,
                         limits=lambda: _check_limits(session, resident, client, now))
    session.add(ResidentReport(event_id=event.id, resident_id=resident.id,
                               address=client[:64], created_at=now,
                               form_id=form_id[:36] or None))
    session.flush()
    return event


def create_event(session: Session, files: AttachmentFiles, reporter: Reporter, *,
                 category: str, description: str, village_id: str, address: str,
                 lat: str = "", lon: str = "", photos: list[bytes], now: dt.datetime,
                 limits: Any = None, source: str = "resident") -> Event:
    """The checks and the write every outside report goes through (the resident pages and
    Open311): fields by name, the grid holding the place, the caller's limits (`limits()`
    raises), the photos; then the event through the one door of synced writes."""
    errors: list[ValidationError] = []
    codes = dict(categories(session))
    if category not in codes:
        errors.append(ValidationError("required", "category", label="问题类别"))
    description = (description or "").strip()
    if not description:
        errors.append(ValidationError("required", "description", label="问题描述"))
    elif len(description) > DESCRIPTION_MAX:
        errors.append(ValidationError("too_long", "description", label="问题描述",
                                      max=DESCRIPTION_MAX, length=len(description)))
    address = (address or "").strip()
    if len(address) > ADDRESS_MAX:
        errors.append(ValidationError("too_long", "address", label="详细地址",
                                      max=ADDRESS_MAX, length=len(address)))
    try:
        latitude = _position(lat, "lat", "纬度", 90)
        longitude = _position(lon, "lon", "经度", 180)
    except ValidationErrors as e:
        errors.extend(e.errors)
        latitude = longitude = None
    if not address and latitude is None:
        errors.append(ValidationError("required", "address", label="详细地址"))
    if errors:
        raise ValidationErrors(errors)
    if len(photos) > MAX_PHOTOS:
        raise DomainError("resident_too_many_photos", "photos", max=MAX_PHOTOS)
    # the browser's position places the report in the grid whose boundary holds it; the
    # village and address chosen are the fallback (no position, or outside every boundary)
    grid = geo.grid_at(session, latitude, longitude) if latitude is not None and \
        longitude is not None else None
    if grid is None and latitude is not None and not village_id:
        raise ValidationErrors([ValidationError("resident_position_outside", "village_id")])
    if grid is None:
        grid = grid_for(session, village_id, address)
    if limits is not None:
        limits()
    checked = [check_photo(p, i) for i, p in enumerate(photos)]
    # a position in a photo's EXIF is kept in the event only (never placement, never shown)
    gps = next((c.gps for c in checked if c.gps), None)
    if latitude is None and gps:
        latitude, longitude = gps
    where = address or "（未填写地址）"
    if latitude is not None and longitude is not None:
        where += f"（定位 {latitude:.5f},{longitude:.5f}）"
    refs = []
    for c in checked:
        sha = sha256_hex(c.data)
        receive_whole(session, files, sha, c.data, user_id=reporter.id, device_id=None,
                      now=now)
        refs.append(photo_ref(sha, len(c.data), c.mime, c.thumb))
    title = f"{codes[category]}：{description[:40]}"
    values = {"title": title[:100], "description": description, "category": category,
              "source": source, "reporter_name": reporter.name[:64],
              "reporter_phone": reporter.phone, "location": where[:200], "status": "pending",
              "priority": "normal", "reported_at": now,
              "due_at": due_at(session, category, now), "supervised": False, "photos": refs,
              "grid_id": grid.id}
    # the one door of every synced write: fields as declared, the grid live and in scope
    checked_values = authorize_and_validate(session, Scope(grid.id, grid.path), Event, None,
                                            values, user_id=reporter.id).values
    return apply_change(session, Event, new_id(), checked_values, now=now)


def village_in(session: Session, text: str) -> str:
    """The village or community whose name `text` mentions (the longest name wins), or ""."""
    best = ("", 0)
    for node_id, name in session.execute(select(OrgNode.id, OrgNode.name).where(
            OrgNode.level == "village", OrgNode.deleted.is_(False))):
        if name and name in (text or "") and len(name) > best[1]:
            best = (node_id, len(name))
    return best[0]


# -- following a report ------------------------------------------------------------------------
def public_status(event: Event, report: ResidentReport) -> str:
    if event.status == "closed":
        return "closed" if report.rating is not None else "answered"
    if event.status == "handling":
        return "handling"
    if event.status == "assigned" or event.assignee_id:
        return "assigned"
    return "received"


def _mine(session: Session, resident: Resident, event_id: str) -> tuple[Event, ResidentReport]:
    report = session.get(ResidentReport, event_id)
    event = session.get(Event, event_id) if report is not None else None
    if report is None or report.resident_id != resident.id or event is None or event.deleted:
        raise DomainError("not_found")  # another resident's report is as unknown as none
    return event, report


def my_reports(session: Session, resident: Resident) -> list[dict[str, Any]]:
    rows = session.execute(select(Event, ResidentReport).join(
        ResidentReport, ResidentReport.event_id == Event.id)
        .where(ResidentReport.resident_id == resident.id, Event.deleted.is_(False))
        .order_by(ResidentReport.created_at.desc())).all()
    return [_summary(e, r) for e, r in rows]


def _summary(event: Event, report: ResidentReport) -> dict[str, Any]:
    status = public_status(event, report)
    return {"id": event.id, "category": dict_label("event_category", event.category)
            or event.category, "description": event.description or "",
            "location": event.location or "", "reported_at": event.reported_at,
            "status": status, "status_label": STATUS_LABELS[status],
            "dissatisfied": event.satisfaction == "dissatisfied",
            "thumbs": [t for t in (thumb_bytes(p) for p in event.photos or []) if t]}


def report_detail(session: Session, resident: Resident, event_id: str) -> dict[str, Any]:
    """The report with its public history (what and when, never who nor internal notes), the
    answer (the note of the latest close) and its rating."""
    event, report = _mine(session, resident, event_id)
    steps = list(session.scalars(select(EventAction).where(
        EventAction.event_id == event.id, EventAction.deleted.is_(False),
        EventAction.action.in_(PUBLIC_ACTIONS)).order_by(EventAction.acted_at,
                                                         EventAction.created_at)))
    history = [{"at": event.reported_at, "text": "您的反映已受理"}]
    answer = None
    for s in steps:
        history.append({"at": s.acted_at, "text": PUBLIC_STEP[s.action]})
        if s.action == "close":
            answer = s.note
    return {**_summary(event, report), "history": history, "answer": answer,
            "rating": report.rating, "rating_note": report.rating_note,
            "can_rate": event.status == "closed" and report.rating is None}


def photo_path(session: Session, files: AttachmentFiles, resident: Resident, event_id: str,
               index: int) -> Any:
    """The stored file of photo `index` of the resident's own report."""
    event, _ = _mine(session, resident, event_id)
    hashes = photo_hashes(event.photos)
    if not 0 <= index < len(hashes) or not files.final(hashes[index]).exists():
        raise DomainError("not_found")
    return files.final(hashes[index])


def rate(session: Session, resident: Resident, event_id: str, *, rating: str, note: str,
         reopen: bool, now: dt.datetime) -> None:
    """The resident rates the answer (1-5 stars). 1-2 stars marks the event 不满意 (the
    dissatisfied list); with `reopen` it goes back to be handled again."""
    event, report = _mine(session, resident, event_id)
    if event.status != "closed" or report.rating is not None:
        raise DomainError("resident_cannot_rate")
    try:
        stars = int((rating or "").strip())
    except ValueError:
        stars = 0
    if not 1 <= stars <= 5:
        raise ValidationErrors([ValidationError("resident_rating_invalid", "rating",
                                                label="评价")])
    note = (note or "").strip()
    if len(note) > DESCRIPTION_MAX:
        raise ValidationErrors([ValidationError("too_long", "rating_note", label="评价意见",
                                                max=DESCRIPTION_MAX, length=len(note))])
    satisfaction = ("dissatisfied" if stars <= LOW_RATING
                    else "basic" if stars == 3 else "satisfied")
    report.rating, report.rating_note, report.rated_at = stars, note or None, now
    changes: dict[str, Any] = {"satisfaction": satisfaction}
    if reopen and satisfaction == "dissatisfied":
        changes.update(status="assigned" if event.assignee_id else "pending", closed_at=None,
                       due_at=due_at(session, event.category, now))
    apply_change(session, Event, event.id, changes, now=now)
    text = f"居民评价 {stars} 星（{dict_label('satisfaction', satisfaction)}）" + \
        (f"：{note}" if note else "")
    _step(session, event, resident, "rate", text, now)
    if "status" in changes:
        _step(session, event, resident, "reopen", "居民不满意，重新办理", now)
    session.flush()


def _step(session: Session, event: Event, resident: Resident, action: str, note: str,
          now: dt.datetime) -> None:
    # the actor is the resident's id: no staff account, so no staff name is shown for it
    apply_change(session, EventAction, new_id(), {
        "event_id": event.id, "action": action, "actor_id": resident.id, "target_id": None,
        "note": note, "acted_at": now, "grid_id": event.grid_id}, now=now)
