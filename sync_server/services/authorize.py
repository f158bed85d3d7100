"""One authorisation and validation path for every write to a synced record.

A change arriving by REST (services/records.py), by sync push (services/sync.py) or by a relayed
USB bundle (services/bundles.py, which runs the sync exchange) goes through
`authorize_and_validate` before it is merged:

- the values: each field checked against its declaration in common.schema
  (common.validation.check_fields: unknown fields, types, lengths, dates), so nothing stored by
  any path breaks a REST read or a device's pull;
- the record's identity: the id is well formed, and a create may not reuse an id that exists
  anywhere (any entity, the change log): a record is addressed by (entity, id) together;
- scope before and after: the record must be in the user's scope, and a create or a move must
  land on a live grid node inside it (the same answer REST gives for another grid, another
  township or a node that does not exist);
- a record that left the scope takes an edit only if the server's own record of what the device
  has pulled shows it had not yet heard of the move (never the client's word alone).

- the role: a read-only role (services/scope.Scope.check_write) writes nothing.
- a person's move: an edit that changes an existing person's grid is not applied by the write;
  the rest of the edit goes ahead and the requested grid is handed back (`transfer_to`) for the
  caller's apply path to file a transfer request the receiving grid decides
  (services/workflows.on_person_updated). A person still held for review (待审核) is not in
  the register yet: their move applies, and their review follows them.

Raises DomainError / ValidationErrors with a code; never commits.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import String, bindparam, cast, exists, literal, select, union_all
from sqlalchemy.orm import Session

from common import workflows as wf
from common.attachments import photo_hashes
from common.dictionaries import label as dict_label
from common.errors import DomainError, ValidationError, ValidationErrors
from common.schema import (ENTITIES, Base, Event, OrgNode, Person, PersonTag, Visit,
                           label_of)
from common.validation import check_fields, check_record_id

from ..db.attachment_tables import Attachment
from ..db.sync_tables import ChangeLog, ScopeExit, SyncConflict
from .geo import check_boundary
from .scope import REFERENCE_ENTITIES, Scope


@dataclass
class Authorized:
    """A write that may go ahead: the stored record (None for a create) and the checked values,
    typed as their columns store them."""

    row: Base | None
    values: dict[str, Any]
    transfer_to: str | None = None
    """A person's requested grid, taken out of `values`: the move waits for a transfer."""


def authorize_and_validate(session: Session, scope: Scope, entity: type[Base],
                           record_id: str | None, values: dict[str, Any], *,
                           user_id: str | None = None, seen: int | None = None) -> Authorized:
    """Check one write by a user with `scope` to `entity` record `record_id` (None: a create
    whose id the server makes). `seen`: for a device's push, the rev the server knows the
    device has pulled up to (None: nothing is known, e.g. REST or a device's first exchange),
    which decides whether an edit to a record that has since left the scope is still taken.
    `user_id`: the writer, whose own photos a record may point at."""
    scope.check_write()
    if record_id is not None:
        check_record_id(record_id)
    clean = check_fields(entity, values)
    row = session.get(entity, record_id) if record_id is not None else None
    if entity is Person and "status" in clean:
        wf.check_pending(getattr(row, "status", None), clean["status"])
    if entity is OrgNode and clean.get("boundary"):
        parent_id = row.parent_id if row is not None else clean.get("parent_id")
        clean["boundary"] = check_boundary(session, record_id, parent_id, clean["boundary"])
    if row is None:
        if record_id is not None and id_taken(session, record_id):
            raise DomainError("record_id_taken", "id")
        if entity is not OrgNode:
            check_grid(session, scope, entity, clean.get("grid_id"))
        check_photos(session, scope, None, clean, user_id)
        return Authorized(None, clean)
    moving = entity is not OrgNode and "grid_id" in clean and clean["grid_id"] != row.grid_id
    if scope.contains(session, row):
        if getattr(row, "grid_id", "") is None and entity in REFERENCE_ENTITIES:
            check_whole_county(session, scope)
        transfer_to = None
        if moving:
            check_grid(session, scope, entity, clean["grid_id"])
            transfer_to = _waits_for_transfer(session, entity, row, clean)
        check_photos(session, scope, row, clean, user_id)
        return Authorized(row, clean, transfer_to)
    if not left_scope_unseen(session, scope, entity, row.id, seen):
        raise DomainError("out_of_scope")
    if moving:
        raise DomainError("out_of_scope", "grid_id", label=label_of(entity, "grid_id"))
    check_photos(session, scope, row, clean, user_id)
    return Authorized(row, clean)


def _waits_for_transfer(session: Session, entity: type[Base], row: Base,
                        clean: dict[str, Any]) -> str | None:
    """A registered person's move waits for the receiving grid: take it out of the write and
    hand it back. A tag stays with its person (a device moves a person's tags with them): its
    move goes through only where its person already is."""
    if entity is Person and row.status != wf.PENDING:
        return clean.pop("grid_id")
    if entity is PersonTag:
        person = session.get(Person, row.person_id)
        if person is not None and person.grid_id != clean["grid_id"]:
            return clean.pop("grid_id")
    return None


def check_whole_county(session: Session, scope: Scope) -> None:
    """A row everyone shares (a dictionary entry, a ledger type, a form guide, a collection's
    definition: grid_id NULL) is read by every scope but changed only from the county's."""
    node = session.get(OrgNode, scope.node_id) if scope.node_id else None
    if node is None or node.parent_id is not None:
        raise DomainError("out_of_scope")


def check_grid(session: Session, scope: Scope, entity: type[Base], grid_id: Any) -> None:
    """A record may be created in, or moved to, only a live grid node inside the scope; a node
    elsewhere and one that does not exist get the same answer (nodes cannot be probed)."""
    label = label_of(entity, "grid_id")
    node = session.get(OrgNode, grid_id) if isinstance(grid_id, str) else None
    if node is None or node.deleted or not scope.contains_path(node.path):
        raise DomainError("out_of_scope", "grid_id", label=label)
    if node.level != "grid":
        raise ValidationErrors([ValidationError("not_a_grid", "grid_id", label=label,
                                                level=dict_label("org_level", node.level))])


def check_photos(session: Session, scope: Scope, row: Base | None, values: dict[str, Any],
                 user_id: str | None) -> None:
    """A record may newly point only at photos its writer uploaded, photos a record in the
    writer's scope already shows, or photos the server does not hold yet (the device uploads
    them after the record). Otherwise pointing a record of one's own grid at another grid's
    photo would make it downloadable (the download follows the records in scope)."""
    if "photos" not in values:
        return
    before = set(photo_hashes(getattr(row, "photos", None))) if row is not None else set()
    for sha in photo_hashes(values["photos"]):
        if sha in before:
            continue
        held = session.get(Attachment, sha)
        if held is None or held.uploaded_by == user_id:
            continue
        if not _shown_in_scope(session, scope, sha):
            raise DomainError("attachment_out_of_scope", "photos", sha256=sha)


def _shown_in_scope(session: Session, scope: Scope, sha: str) -> bool:
    # The same test the download applies (services/attachments.py): the hash in the text of
    # the photo lists of visits and events in the scope.
    return any(session.scalar(select(e.id).where(cast(e.photos, String).contains(sha),
                                                 scope.condition(e)).limit(1)) is not None
               for e in (Visit, Event))


def id_taken(session: Session, record_id: str) -> bool:
    """Whether `record_id` is the id of any record of any entity, or appears in the change log
    or the conflicts: a create under it would share that record's history."""
    return session.execute(_taken_statement(), {"id": record_id}).first() is not None


@lru_cache(maxsize=1)
def _taken_statement() -> Any:
    rid = bindparam("id")
    probes = [select(literal(name).label("t")).where(exists().where(e.__table__.c.id == rid))
              for name, e in ENTITIES.items()]
    probes.append(select(literal("_log").label("t")).where(
        exists().where(ChangeLog.record_id == rid)))
    probes.append(select(literal("_conflicts").label("t")).where(
        exists().where(SyncConflict.id == rid)))
    return union_all(*probes).limit(1)


def left_scope_unseen(session: Session, scope: Scope, entity: type[Base], record_id: str,
                      seen: int | None) -> bool:
    """This record (of this entity) moved out of the scope at a rev the device had not pulled
    yet: its offline edits, made while the record was in its scope, are still taken."""
    if seen is None or scope.empty:
        return False
    nodes = select(OrgNode.id).where(OrgNode.path.startswith(scope.path, autoescape=True))
    return session.scalar(
        select(ScopeExit.id).where(ScopeExit.entity == entity.__tablename__,
                                   ScopeExit.record_id == record_id, ScopeExit.rev > seen,
                                   ScopeExit.old_grid_id.in_(nodes)).limit(1)) is not None


__all__ = ["authorize_and_validate", "Authorized", "check_grid", "check_photos", "id_taken",
           "left_scope_unseen"]
