"""Generic record use cases shared by people, households, organisations and places.

Saving cleans form values (blank → None, numbers, dates), checks dictionary codes against the
dictionaries this device holds, and writes through storage's `record_change` (row + outbox in one
transaction). Reading a record's field history combines the device's local history with the
per-field clock stamps synced from the server. Runs on the writer (saves) or a reader thread.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Date, DateTime, Float, Integer, select
from sqlalchemy.orm import Session

from common.dictionaries import Dictionaries
from common.errors import DomainError, ValidationError, ValidationErrors
from common.schema import DictEntry, FieldGuide, User, label_of, user_fields
from common.schema.base import Base
from common.sync.codec import from_wire
from desktop.storage.changes import record_change
from desktop.storage.local_log import OperationLog
from desktop.storage.tables import LocalHistory


def load_dictionaries(session: Session) -> Dictionaries:
    """The profile's dictionaries: the entries synced from the server (an entry an admin added in
    配置中心 included), the seed for a dictionary the copy does not hold yet. Loaded after the
    database opens and after every sync, and passed to validation, the assistant and the UI."""
    return Dictionaries.from_entries(session.execute(
        select(DictEntry.dict_code, DictEntry.code, DictEntry.label)
        .where(DictEntry.deleted.is_(False), DictEntry.active.is_(True))
        .order_by(DictEntry.dict_code, DictEntry.sort, DictEntry.code)).all())


def load_guides(session: Session) -> dict[tuple[str, str], tuple[str, str]]:
    """The form guides synced from the server (config centre, 填写说明): (table, field) ->
    (guide, example), fields with some text only. Read with the dictionaries, for the forms."""
    return {(g.entity, g.field_key): (g.guide or "", g.example or "")
            for g in session.scalars(select(FieldGuide).where(FieldGuide.deleted.is_(False)))
            if g.guide or g.example}


def clean_values(entity: type[Base], values: dict[str, Any],
                 dictionaries: Mapping[str, list[tuple[str, str]]]) -> dict[str, Any]:
    """Form values → column values; raises ValidationErrors naming every wrong field."""
    cols = entity.__table__.columns
    out: dict[str, Any] = {}
    errors: list[ValidationError] = []
    for key, value in values.items():
        if key not in cols:
            errors.append(ValidationError("unknown_field", key))
            continue
        col = cols[key]
        label = col.info.get("label", key)
        if isinstance(value, str):
            value = value.strip()
            if value == "":
                value = None
        try:
            value = _convert(col.type, value)
        except ValueError:
            code = "date_invalid" if isinstance(col.type, (Date, DateTime)) else "number_invalid"
            errors.append(ValidationError(code, key, label=label, value=str(value)))
            continue
        d = col.info.get("dict")
        if d and value is not None and d in dictionaries:
            if value not in {c for c, _ in dictionaries[d]}:
                errors.append(ValidationError("not_in_dict", key, label=label, value=value))
                continue
        if value is None and not col.nullable and not col.primary_key and col.default is None:
            errors.append(ValidationError("required", key, label=label))
            continue
        out[key] = value
    if errors:
        raise ValidationErrors(errors)
    return out


def _convert(coltype: Any, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(coltype, Integer) and not isinstance(value, bool):
        return int(value)
    if isinstance(coltype, Float):
        return float(value)
    if isinstance(coltype, DateTime):
        return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    if isinstance(coltype, Date):
        if isinstance(value, dt.datetime):
            return value.date()
        return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    return value


def save_record(session: Session, entity: type[Base], record_id: str | None,
                values: dict[str, Any], *, now: dt.datetime, actor_id: str,
                dictionaries: Mapping[str, list[tuple[str, str]]] | None = None) -> Base:
    """Create (record_id None) or update one record; never commits."""
    dictionaries = dictionaries if dictionaries is not None else load_dictionaries(session)
    cleaned = clean_values(entity, values, dictionaries)
    if record_id is not None:
        row = session.get(entity, record_id)
        if row is None or row.deleted:
            raise DomainError("not_found")
        # Only what changed goes to the outbox: fewer conflicts with other devices' edits.
        cleaned = {k: v for k, v in cleaned.items() if getattr(row, k) != v}
        if not cleaned:
            return row
    row = record_change(session, entity, record_id, cleaned, now=now)
    log_operation(session, "create" if record_id is None else "edit", entity.__tablename__,
                  row.id, {"fields": sorted(cleaned)}, now=now, actor_id=actor_id)
    return row


def log_operation(session: Session, action: str, entity: str | None, record_id: str | None,
                  detail: dict[str, Any], *, now: dt.datetime, actor_id: str) -> None:
    session.add(OperationLog(at=now, user_id=actor_id, action=action, entity=entity,
                             record_id=record_id, detail=detail))


@dataclass(frozen=True)
class HistoryEntry:
    """One field change shown in a record's history."""

    at: dt.datetime | None
    field: str
    label: str
    old: Any
    new: Any
    who: str
    pending: bool  # made on this device and not yet acknowledged by the server


def record_history(session: Session, entity: type[Base], record_id: str) -> list[HistoryEntry]:
    """Who changed which field of a record and when, newest first.

    Local edits come with old and new values; fields last changed elsewhere (pulled from the
    server) show their last change time from the record's field clock.
    """
    from desktop.storage.tables import OutboxEntry
    row = session.get(entity, record_id)
    if row is None:
        raise DomainError("not_found")
    pending = set(session.execute(select(OutboxEntry.change_id)
                                  .where(OutboxEntry.record_id == record_id)).scalars())
    entries: list[HistoryEntry] = []
    seen_clock: dict[str, str] = {}
    for h in session.execute(select(LocalHistory).where(LocalHistory.record_id == record_id,
                                                        LocalHistory.entity ==
                                                        entity.__tablename__)
                             .order_by(LocalHistory.seq.desc())).scalars():
        for key, new in (h.values or {}).items():
            seen_clock.setdefault(key, h.clock)
            entries.append(HistoryEntry(h.at, key, _label(entity, key),
                                        (h.old_values or {}).get(key), new, "本机",
                                        h.change_id in pending))
    fields = set(user_fields(entity)) | {"deleted"}
    for key, stamp in (row.field_clock or {}).items():
        if key in fields and seen_clock.get(key) != stamp:
            entries.append(HistoryEntry(_clock_time(stamp), key, _label(entity, key), None,
                                        getattr(row, key, None), "其他设备", False))
    entries.sort(key=lambda e: e.at or dt.datetime.min, reverse=True)
    return entries


def merge_server_history(session: Session, entity: type[Base], record_id: str,
                         server: list[dict[str, Any]]) -> list[HistoryEntry]:
    """The record's history with the server's change log (who, old → new, for every device's
    edits, also from before the record came into this scope) in place of what this device
    could only date; edits made here and not yet acknowledged stay on top."""
    fields = set(user_fields(entity)) | {"deleted"}
    entries = [e for e in record_history(session, entity, record_id) if e.pending]
    for log in server:
        at = _clock_time(log.get("at") or "")
        who = log.get("actor_name") or ("服务器" if not log.get("actor_id") else "其他用户")
        old = log.get("old_values") or {}
        for key, new in (log.get("values") or {}).items():
            if key in fields:
                entries.append(HistoryEntry(at, key, _label(entity, key),
                                            from_wire(entity, key, old.get(key)),
                                            from_wire(entity, key, new), who, False))
    entries.sort(key=lambda e: (e.pending, e.at or dt.datetime.min), reverse=True)
    return entries


def _label(entity: type[Base], key: str) -> str:
    return "删除标记" if key == "deleted" else label_of(entity, key)


def _clock_time(stamp: str) -> dt.datetime | None:
    """The wall time inside a clock stamp (HLC "<ms>-<counter>-<node>" or an ISO time)."""
    head = str(stamp).split("-")[0]
    try:
        if head.isdigit() and len(head) >= 12:
            return dt.datetime.fromtimestamp(int(head) / 1000, dt.timezone.utc).replace(
                tzinfo=None)
        return dt.datetime.fromisoformat(str(stamp))
    except (ValueError, OSError):
        return None

