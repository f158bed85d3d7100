"""Online affairs (网上办事) and active reporting (主动上报), contract items 31, 32, 74, 75.

The county configures the services residents may apply for; a resident applies (with the
materials asked) or reports a situation about their household; the application goes to the
level of the resident's address that handles it (the township, or the grid); staff there
accept, ask for more material, approve, refuse, transfer or sign it, and the resident follows
every step. The steps are common/affairs.py's table; every path (the resident pages, the
console pages) goes through the functions here and in services/affair_handling.py. Files are
checked before anything is written (photos re-encoded without EXIF, PDFs recognised by their
structure, sizes bounded). A resident reaches only their own applications. Never commits.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from common import affairs as af
from common.errors import DomainError, ValidationError, ValidationErrors
from common.schema import OrgNode, User, new_id
from common.validation import check_phone

from ..db.affair_tables import AffairApplication, AffairFile, AffairService, AffairStep
from ..db.resident_tables import Resident
from . import locks
from .oplog import log_operation
from .resident_reports import check_photo, grid_for

MAX_FILE_BYTES = 4 * 1024 * 1024
PER_RESIDENT_DAY = 10
REPORT_DAYS = 3
"""Days a grid worker has to take up an active report."""
APPLICANT_MAX, ADDRESS_MAX = 40, 120
MAX_REPORT_PHOTOS = 3


# -- the county's list of services ------------------------------------------------------------

def services(session: Session, *, active_only: bool = True) -> list[AffairService]:
    query = select(AffairService).order_by(AffairService.sort, AffairService.name)
    if active_only:
        query = query.where(AffairService.active.is_(True))
    return list(session.scalars(query))


def get_service(session: Session, service_id: str, *, active_only: bool = True) -> AffairService:
    row = session.get(AffairService, service_id) if service_id else None
    if row is None or (active_only and not row.active):
        raise DomainError("affair_service_unknown", "service_id")
    return row


def save_service(session: Session, user: User, values: dict[str, Any], *, now: dt.datetime,
                 service_id: str | None = None) -> AffairService:
    """Create or change a service (the county's configuration); in the operation log."""
    row = get_service(session, service_id, active_only=False) if service_id else None
    name = str(values.get("name") or "").strip()
    taken = session.scalar(select(AffairService.id).where(AffairService.name == name))
    errors = ([ValidationError("affair_name_taken", "name", name=name)]
              if taken is not None and (row is None or taken != row.id) else [])
    try:
        clean = af.check_service(values)
    except ValidationErrors as err:
        raise ValidationErrors(errors + [e for e in err.errors if e.field != "name"
                                         or not errors]) from None
    if errors:
        raise ValidationErrors(errors)
    if row is None:
        row = AffairService(id=new_id(), active=True, sort=len(services(session,
                                                                         active_only=False)))
        session.add(row)
    for key, value in clean.items():
        setattr(row, key, value)
    row.updated_at, row.updated_by = now, user.id
    session.flush()
    log_operation(session, user=user, action="affair_service", now=now,
                  entity="affair_services", record_id=row.id,
                  details={"name": row.name, "level": row.level, "days": row.days,
                           "materials": len(row.materials)})
    return row


def set_active(session: Session, user: User, service_id: str, active: bool, *,
               now: dt.datetime) -> AffairService:
    row = get_service(session, service_id, active_only=False)
    row.active, row.updated_at, row.updated_by = active, now, user.id
    log_operation(session, user=user, action="affair_service", now=now,
                  entity="affair_services", record_id=row.id,
                  details={"name": row.name, "active": active})
    return row


# -- files -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Upload:
    """A file as the browser sent it (read at most MAX_FILE_BYTES + 1 bytes)."""

    name: str
    data: bytes


def _looks_like_pdf(data: bytes) -> bool:
    """A PDF's header, at least one object and its end-of-file marker."""
    return data.startswith(b"%PDF-") and b" obj" in data and b"%%EOF" in data[-2048:]


def check_file(upload: Upload, *, label: str, kind: str, field: str) -> tuple[bytes, str]:
    """A material's file checked against its kind: (the bytes to store, their MIME type).
    Photos come back re-encoded as JPEG without their metadata."""
    data = upload.data
    if len(data) > MAX_FILE_BYTES:
        raise ValidationError("affair_file_too_large", field, label=label,
                              size_mb=f"{len(data) / 1048576:.1f}",
                              limit_mb=MAX_FILE_BYTES // 1048576)
    if data.startswith(b"%PDF-"):
        if kind == "photo":
            raise ValidationError("affair_file_kind", field, label=label,
                                  kind=af.MATERIAL_KINDS["photo"])
        if not _looks_like_pdf(data):
            raise ValidationError("affair_file_not_pdf", field, label=label)
        return data, "application/pdf"
    if kind == "pdf":
        raise ValidationError("affair_file_kind", field, label=label,
                              kind=af.MATERIAL_KINDS["pdf"])
    try:
        photo = check_photo(data, 0)
    except DomainError:
        raise ValidationError("affair_file_kind", field, label=label,
                              kind=af.MATERIAL_KINDS[kind]) from None
    return photo.data, photo.mime


def store_file(session: Session, application: AffairApplication, data: bytes, mime: str, *,
           label: str, role: str, now: dt.datetime, step_id: int | None = None) -> AffairFile:
    row = AffairFile(id=new_id(), application_id=application.id, role=role, label=label[:40],
                     mime=mime, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                     data=data, step_id=step_id, uploaded_at=now)
    session.add(row)
    return row


def _checked_materials(service: AffairService, files: dict[int, Upload]
                       ) -> list[tuple[str, bytes, str]]:
    """Every asked material checked at once: (label, bytes, mime) of the ones sent; raises
    ValidationErrors naming each missing or wrong file beside its field (m0, m1 …)."""
    errors: list[ValidationError] = []
    out = []
    for i, material in enumerate(service.materials):
        field, label = f"m{i}", material["label"]
        upload = files.get(i)
        if upload is None or not upload.data:
            if material.get("required"):
                errors.append(ValidationError("affair_material_missing", field, label=label))
            continue
        try:
            data, mime = check_file(upload, label=label, kind=material["kind"], field=field)
        except ValidationError as err:
            errors.append(err)
            continue
        out.append((label, data, mime))
    if errors:
        raise ValidationErrors(errors)
    return out


# -- filing ------------------------------------------------------------------------------------

def _where(session: Session, village_id: str, address: str, errors: list[ValidationError]
           ) -> str:
    address = (address or "").strip()
    village = session.get(OrgNode, village_id) if village_id else None
    if village is None or village.deleted or village.level != "village":
        errors.append(ValidationError("required", "village_id", label="居住村/社区"))
    if not address:
        errors.append(ValidationError("required", "address", label="详细地址"))
    elif len(address) > ADDRESS_MAX:
        errors.append(ValidationError("too_long", "address", label="详细地址", max=ADDRESS_MAX,
                                      length=len(address)))
    return address


def _who(applicant: str, phone: str, errors: list[ValidationError]) -> tuple[str, str]:
    applicant = (applicant or "").strip()
    if not applicant:
        errors.append(ValidationError("required", "applicant", label="申请人姓名"))
    elif len(applicant) > APPLICANT_MAX:
        errors.append(ValidationError("too_long", "applicant", label="申请人姓名",
                                      max=APPLICANT_MAX, length=len(applicant)))
    try:
        phone = check_phone(phone, field="phone", label="联系电话")
    except ValidationError as err:
        errors.append(err)
    return applicant, phone


def _details(text: str, label: str, required: bool, errors: list[ValidationError]) -> str:
    text = (text or "").strip()
    if required and not text:
        errors.append(ValidationError("required", "details", label=label))
    elif len(text) > af.TEXT_MAX:
        errors.append(ValidationError("too_long", "details", label=label, max=af.TEXT_MAX,
                                      length=len(text)))
    return text


def _check_limit(session: Session, resident: Resident, now: dt.datetime) -> None:
    # Held to the end of the transaction: two filings at one instant cannot both count 9.
    locks.hold(session, f"affair:{resident.id}")
    today = session.scalar(select(func.count()).select_from(AffairApplication).where(
        AffairApplication.resident_id == resident.id,
        AffairApplication.filed_at > now - dt.timedelta(days=1))) or 0
    if today >= PER_RESIDENT_DAY:
        raise DomainError("affair_limit", per_day=PER_RESIDENT_DAY)


def _township_of(session: Session, village_id: str) -> OrgNode:
    village = session.get(OrgNode, village_id)
    parent = session.get(OrgNode, village.parent_id) if village and village.parent_id else None
    if parent is None or parent.deleted:
        raise DomainError("resident_no_grid", "village_id", village=village.name if village
                          else "")
    return parent


def _new(session: Session, resident: Resident, *, kind: str, title: str, node: OrgNode,
         grid: OrgNode, days: int, now: dt.datetime, **values: Any) -> AffairApplication:
    prefix = "BS" if kind == af.SERVICE else "SB"
    row = AffairApplication(
        id=new_id(), number=f"{prefix}{(now + dt.timedelta(hours=8)):%y%m%d}"
        f"{secrets.token_hex(3).upper()}", kind=kind, title=title, resident_id=resident.id,
        grid_id=grid.id, node_id=node.id, node_path=node.path or "", state=af.SUBMITTED,
        filed_at=now, due_at=now + dt.timedelta(days=days), updated_at=now, **values)
    session.add(row)
    session.flush()
    record_step(session, row, "submit", None, af.SUBMITTED, actor=None, note=None, now=now)
    return row


def apply(session: Session, resident: Resident, service_id: str, *, applicant: str,
          phone: str, details: str, village_id: str, address: str, files: dict[int, Upload],
          now: dt.datetime) -> AffairApplication:
    """File an application for a service, with its materials. Every wrong field and file is
    named at once and nothing is written."""
    service = get_service(session, service_id)
    errors: list[ValidationError] = []
    applicant, phone = _who(applicant, phone, errors)
    address = _where(session, village_id, address, errors)
    details = _details(details, "申请说明", False, errors)
    try:
        materials = _checked_materials(service, files)
    except ValidationErrors as err:
        errors.extend(err.errors)
    if errors:
        raise ValidationErrors(errors)
    _check_limit(session, resident, now)
    grid = grid_for(session, village_id, address)
    node = grid if service.level == "grid" else _township_of(session, village_id)
    row = _new(session, resident, kind=af.SERVICE, title=service.name, node=node, grid=grid,
               days=service.days, now=now, service_id=service.id, applicant=applicant,
               phone=phone, details=details, village_id=village_id, address=address)
    for label, data, mime in materials:
        store_file(session, row, data, mime, label=label, role="material", now=now)
    return row


def report(session: Session, resident: Resident, *, report_type: str, applicant: str,
           phone: str, details: str, village_id: str, address: str, photos: list[Upload],
           now: dt.datetime) -> AffairApplication:
    """File an active report (主动上报) about the resident's household: it goes to the grid of
    their address and waits in that grid worker's work items."""
    errors: list[ValidationError] = []
    if report_type not in af.REPORT_TYPES:
        errors.append(ValidationError("affair_report_type", "report_type"))
    applicant, phone = _who(applicant, phone, errors)
    address = _where(session, village_id, address, errors)
    details = _details(details, "情况说明", True, errors)
    photos = [p for p in photos if p.data]
    checked = []
    if len(photos) > MAX_REPORT_PHOTOS:
        errors.append(ValidationError("resident_too_many_photos", "photos",
                                      max=MAX_REPORT_PHOTOS))
    else:
        for i, p in enumerate(photos):
            try:
                checked.append(check_file(p, label=f"第 {i + 1} 张照片", kind="photo",
                                          field="photos"))
            except ValidationError as err:
                errors.append(err)
    if errors:
        raise ValidationErrors(errors)
    _check_limit(session, resident, now)
    grid = grid_for(session, village_id, address)
    row = _new(session, resident, kind=af.REPORT, title=af.REPORT_TYPES[report_type],
               node=grid, grid=grid, days=REPORT_DAYS, now=now, report_type=report_type,
               applicant=applicant, phone=phone, details=details, village_id=village_id,
               address=address)
    for i, (data, mime) in enumerate(checked):
        store_file(session, row, data, mime, label=f"照片 {i + 1}", role="material", now=now)
    return row


# -- history -----------------------------------------------------------------------------------

def record_step(session: Session, row: AffairApplication, action: str, before: str | None,
          after: str, *, actor: User | None, note: str | None, now: dt.datetime) -> AffairStep:
    step = AffairStep(application_id=row.id, action=action, from_state=before, to_state=after,
                      actor_id=actor.id if actor else None, node_id=row.node_id, at=now,
                      note=(note or "").strip() or None)
    session.add(step)
    session.flush()
    log_operation(session, user=actor, action="affair", now=now,
                  entity="affair_applications", record_id=row.id,
                  details={"step": action, "number": row.number, "from": before, "to": after,
                           **({} if actor else {"resident_id": row.resident_id})})
    return step


@dataclass(frozen=True)
class StepView:
    action: str
    label: str
    at: dt.datetime
    state_label: str
    note: str
    by: str
    """Who took the step: the unit's name for the resident, the user for staff."""


@dataclass(frozen=True)
class FileView:
    id: str
    label: str
    mime: str
    size: int
    role: str


@dataclass(frozen=True)
class ApplicationView:
    row: AffairApplication
    state_label: str
    kind_label: str
    node_name: str
    overdue: bool
    steps: list[StepView]
    files: list[FileView]
    actions: list[str]
    materials: list[dict[str, Any]]


def node_names(session: Session, ids: set[str]) -> dict[str, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(session.execute(select(OrgNode.id, OrgNode.name)
                                .where(OrgNode.id.in_(ids))).all())


def is_overdue(row: AffairApplication, now: dt.datetime) -> bool:
    return row.state in af.OPEN_STATES and row.due_at < now


def view_of(session: Session, row: AffairApplication, *, now: dt.datetime, staff: bool,
          may_act: bool = False) -> ApplicationView:
    steps = list(session.scalars(select(AffairStep).where(
        AffairStep.application_id == row.id).order_by(AffairStep.at, AffairStep.id)))
    names = node_names(session, {s.node_id or "" for s in steps} | {row.node_id})
    users = {}
    if staff:
        ids = {s.actor_id for s in steps if s.actor_id}
        users = dict(session.execute(select(User.id, User.display_name).where(
            User.id.in_(ids))).all()) if ids else {}
    views = [StepView(s.action, af.ACTIONS[s.action].label if s.action in af.ACTIONS
                      else s.action, s.at, af.STATES.get(s.to_state, s.to_state),
                      s.note or "",
                      (users.get(s.actor_id, "") + "（" + names.get(s.node_id or "", "") + "）"
                       if staff and s.actor_id else
                       "申请人" if not s.actor_id else names.get(s.node_id or "", "")))
             for s in steps]
    files = [FileView(f.id, f.label, f.mime, f.size, f.role) for f in session.scalars(
        select(AffairFile).where(AffairFile.application_id == row.id)
        .order_by(AffairFile.uploaded_at, AffairFile.label))]
    service = session.get(AffairService, row.service_id) if row.service_id else None
    by = af.STAFF if staff else af.RESIDENT
    actions = af.allowed(row.kind, row.state, by=by) if (may_act or not staff) else []
    return ApplicationView(row, af.STATES.get(row.state, row.state), af.KINDS[row.kind],
                           names.get(row.node_id, ""), is_overdue(row, now), views, files,
                           actions, list(service.materials) if service else [])


# -- the resident's side -----------------------------------------------------------------------

def mine(session: Session, resident: Resident, *, limit: int = 100) -> list[AffairApplication]:
    return list(session.scalars(select(AffairApplication).where(
        AffairApplication.resident_id == resident.id)
        .order_by(AffairApplication.filed_at.desc()).limit(limit)))


def _own(session: Session, resident: Resident, application_id: str) -> AffairApplication:
    row = session.get(AffairApplication, application_id) if application_id else None
    if row is None or row.resident_id != resident.id:
        raise DomainError("not_found")  # another resident's: as if it did not exist
    return row


def resident_view(session: Session, resident: Resident, application_id: str, *,
                  now: dt.datetime) -> ApplicationView:
    return view_of(session, _own(session, resident, application_id), now=now, staff=False)


def supply(session: Session, resident: Resident, application_id: str, *,
           files: list[Upload], note: str, now: dt.datetime) -> AffairApplication:
    """The resident adds the material asked for: at least one file (photo or PDF); the
    application goes back to the handling unit."""
    row = _own(session, resident, application_id)
    after = af.step(row.kind, "supply", row.state, by=af.RESIDENT, note=note)
    sent = [f for f in files if f.data]
    if not sent:
        raise ValidationErrors([ValidationError("affair_no_material", "files")])
    if len(sent) > af.MAX_MATERIALS:
        raise ValidationErrors([ValidationError("affair_too_many_materials", "files",
                                                max=af.MAX_MATERIALS)])
    checked, errors = [], []
    for i, f in enumerate(sent):
        try:
            checked.append(check_file(f, label=f"补充材料 {i + 1}", kind="any", field="files"))
        except ValidationError as err:
            errors.append(err)
    if errors:
        raise ValidationErrors(errors)
    before = row.state
    row.state, row.asked, row.updated_at = after, None, now
    step = record_step(session, row, "supply", before, after, actor=None, note=note, now=now)
    for i, (data, mime) in enumerate(checked):
        store_file(session, row, data, mime, label=f"补充材料 {i + 1}", role="material", now=now,
               step_id=step.id)
    return row


def resident_file(session: Session, resident: Resident, application_id: str,
                  file_id: str) -> AffairFile:
    row = _own(session, resident, application_id)
    found = session.get(AffairFile, file_id) if file_id else None
    if found is None or found.application_id != row.id:
        raise DomainError("not_found")
    return found
