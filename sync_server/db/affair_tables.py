"""Server-only tables of online affairs (网上办事) and active reporting (主动上报): the services the
county configures, residents' applications and reports, each step of their history, and the
files attached to them (materials the resident uploads, the signed result document). Read and
written by services/affairs.py only."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .tables import ServerBase


class AffairService(ServerBase):
    """A service residents may apply for (e.g. 开具居住证明): what it is, the materials asked
    ([{label, kind: photo|pdf|any, required}]), the level of the resident's address that handles
    it (township or grid) and the days allowed. A withdrawn service keeps its applications."""

    __tablename__ = "affair_services"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    materials: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    level: Mapped[str] = mapped_column(String(16))
    days: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_by: Mapped[str | None] = mapped_column(String(36))


class AffairApplication(ServerBase):
    """One application (kind service) or active report (kind report) of a resident. `node_id`
    and `node_path` name the org node handling it now (a transfer changes them); `grid_id` is
    the grid of the resident's address. `title` keeps the service's name as applied for."""

    __tablename__ = "affair_applications"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    service_id: Mapped[str | None] = mapped_column(String(36))
    report_type: Mapped[str | None] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(60))
    resident_id: Mapped[str] = mapped_column(String(36), index=True)
    applicant: Mapped[str] = mapped_column(String(40))
    phone: Mapped[str] = mapped_column(String(20))
    details: Mapped[str] = mapped_column(Text, default="")
    village_id: Mapped[str] = mapped_column(String(36))
    address: Mapped[str] = mapped_column(String(120))
    grid_id: Mapped[str] = mapped_column(String(36), index=True)
    node_id: Mapped[str] = mapped_column(String(36))
    node_path: Mapped[str] = mapped_column(String(400), index=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    asked: Mapped[str | None] = mapped_column(Text)  # what material was asked for, while open
    filed_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    due_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class AffairStep(ServerBase):
    """One step of an application's history: what was done, from which state to which, when,
    by whom (a staff user, or the resident: actor_id None), and the note the resident reads."""

    __tablename__ = "affair_steps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[str] = mapped_column(String(36), index=True)
    action: Mapped[str] = mapped_column(String(16))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str | None] = mapped_column(String(36))
    node_id: Mapped[str | None] = mapped_column(String(36))
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    note: Mapped[str | None] = mapped_column(Text)


class AffairFile(ServerBase):
    """A file of an application: a material the resident attached (photos re-encoded without
    their metadata, PDFs as sent) or the signed result document (role result). Kept in the
    database so that a refused upload leaves nothing behind."""

    __tablename__ = "affair_files"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    application_id: Mapped[str] = mapped_column(String(36), index=True)
    role: Mapped[str] = mapped_column(String(16))  # material | result
    label: Mapped[str] = mapped_column(String(40))
    mime: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    step_id: Mapped[int | None] = mapped_column(Integer)
    uploaded_at: Mapped[dt.datetime] = mapped_column(DateTime)
