"""The sync exchange on the server: versions, device, push (idempotent), then the first pull
batch. One call = one request = one transaction (the caller commits). Protocol: docs/SYNC.md.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from common.errors import DomainError
from common.schema import ENTITIES, Person, User, WorkRequest
from common.sync import hlc
from common.sync.messages import (CONFLICTS, MIN_PROTOCOL_VERSION, MIN_SCHEMA_VERSION,
                                  PROTOCOL_VERSION, SCHEMA_VERSION, Ack, Change, PullResponse,
                                  PushResponse, SyncRequest, SyncResponse)

from ..db.snapshot_tables import ScopeSnapshot
from ..db.sync_tables import ChangeLog, PushReceipt, SyncConflict, SyncDevice
from .authorize import authorize_and_validate
from .changes import _ms, merge_change_into, move_tags_with, next_rev
from .devices import check_device
from .drift import check_drift
from .oplog import store_device_lines
from .releases import describe, required_update
from .scope import Scope
from .sync_pull import pull_batch
from . import workflows

MAX_AHEAD_MS = 60_000
"""A change stamped more than a minute past the server's clock is brought back to it."""
MAX_CHANGES = 2000
READ_ONLY = frozenset({"org_nodes", "users", "dict_entries", "ledger_types", "ledger_fields",
                       "field_guides", "collections", "work_request_actions", "person_moves"})
"""Entities a device reads but never writes through sync (admins change them on the server;
a request's history and migration records are written by services/workflows.py)."""


def check_versions(session: Session, protocol: int, schema_version: int,
                   client_version: str | None = None, *,
                   min_protocol: int = MIN_PROTOCOL_VERSION) -> None:
    """A client too old for this server (or for what it asks: `min_protocol`), or below the
    minimum version of the latest published release, is told to update, with the release to
    download when there is one (its unsent changes stay with it)."""
    update = required_update(session, client_version)
    if protocol < min_protocol or schema_version < MIN_SCHEMA_VERSION or update:
        raise DomainError("client_too_old", protocol=protocol, schema_version=schema_version,
                          min_protocol=min_protocol, min_schema=MIN_SCHEMA_VERSION,
                          release=describe(update) if update else None)
    if protocol > PROTOCOL_VERSION or schema_version > SCHEMA_VERSION:
        raise DomainError("server_too_old", protocol=protocol, schema_version=schema_version)


def exchange(session: Session, user: User, request: SyncRequest, *,
             now: dt.datetime) -> SyncResponse:
    """Push the device's changes, then answer the first pull batch, in one transaction. Never
    commits. (The HTTP exchange commits the push first and reads the pull in a transaction of
    its own: `push_half` and `pull_half`.)"""
    answer, pending = push_half(session, user, request, now=now)
    if pending is not None:
        answer.pull = pull_half(session, request, pending)
    return answer


def push_half(session: Session, user: User, request: SyncRequest, *, now: dt.datetime
              ) -> tuple[SyncResponse, "PendingPull | None"]:
    """Everything of an exchange that writes: versions, device, push, local log. Never
    commits. Returns the answer without its pull batch, and what `pull_half` needs to read it
    (None: nothing to pull, the answer is complete: a drifted device)."""
    check_versions(session, request.protocol, request.schema_version, request.client_version)
    check_device(session, request.device_id)  # a lost laptop is told to wipe itself
    if len(request.push.changes) > MAX_CHANGES:
        raise DomainError("too_many_changes", max=MAX_CHANGES)
    scope = Scope.of(session, user)
    scope.check_desktop()  # a read-only role reads in the browser (services/scope.py)
    pulled = _pulled(session, scope, request)
    device = register_device(session, user, request, now=now)
    if request.verify is not None:
        # Drift repair (services/drift.py): a device whose copy drifted pushes nothing until
        # it has rebuilt its copy (its unsent changes then go with their original clocks).
        reason = check_drift(session, scope, device.id, request.verify, now=now)
        if reason:
            return SyncResponse(server_time=now.isoformat(),
                                pull=PullResponse(cursor=request.pull.cursor),
                                drift=reason), None
    acks, settled = push(session, user, scope, device.id, request.push.changes,
                         cursor=request.pull.cursor, pulled=pulled, now=now)
    device.cursor = max(device.cursor or 0, request.pull.cursor)
    logged = store_device_lines(session, user, device.id, request.local_log)
    return (SyncResponse(server_time=now.isoformat(), push=PushResponse(acks=acks),
                         pull=PullResponse(cursor=request.pull.cursor), local_log_seq=logged),
            PendingPull(scope, settled))


class PendingPull(NamedTuple):
    """What the pull of an exchange needs from its push: the user's scope, and the records
    the device now holds exactly as the server does (left out of the batch)."""
    scope: Scope
    settled: dict[tuple[str, str], int]


def pull_half(session: Session, request: SyncRequest, pending: PendingPull) -> PullResponse:
    """The first pull batch of an exchange. In the push's transaction or in a later one: a
    record changed again in between has another rev than the settled one and is sent."""
    return pull_batch(session, pending.scope, request.pull.cursor, request.pull.max_bytes,
                      skip=pending.settled)


def _pulled(session: Session, scope: Scope, request: SyncRequest) -> int | None:
    """What the server itself knows the device had pulled before this exchange: the highest
    cursor it reported in an earlier exchange. A device new to the server held nothing, unless
    it starts from a snapshot the server prepared for this scope (first sync, docs/SYNC.md):
    then it holds the scope as of that snapshot's rev. None: nothing."""
    known = session.get(SyncDevice, request.device_id)
    if known is not None:
        return known.cursor or 0
    cursor = request.pull.cursor
    if cursor and not scope.empty and session.scalar(
            select(ScopeSnapshot.id).where(ScopeSnapshot.scope_path == scope.path,
                                           ScopeSnapshot.rev == cursor).limit(1)):
        return cursor
    return None


def register_device(session: Session, user: User, request: SyncRequest, *,
                    now: dt.datetime) -> SyncDevice:
    device = session.get(SyncDevice, request.device_id)
    if device is None:
        device = SyncDevice(id=request.device_id, user_id=user.id, first_seen=now, cursor=0)
        session.add(device)
    elif device.user_id != user.id:
        raise DomainError("device_mismatch")
    device.last_seen = now
    device.protocol = request.protocol
    device.schema_version = request.schema_version
    return device


def push(session: Session, user: User, scope: Scope, device_id: str, changes: list[Change], *,
         cursor: int, now: dt.datetime, pulled: int | None = None
         ) -> tuple[list[Ack], dict[tuple[str, str], int]]:
    """Apply each change in its own savepoint: one refused change never blocks the others.
    `pulled`: the cursor the server knows the device had reached before this exchange (None:
    a device new to the server). Returns the acks and the records the device already holds
    exactly as the server now does (settled: left out of the pull)."""
    acks: list[Ack] = []
    touched: dict[tuple[str, str], dict[str, Any]] = {}
    receipts = {r.change_id: r for r in session.scalars(
        select(PushReceipt).where(PushReceipt.change_id.in_([c.id for c in changes])))} \
        if changes else {}
    fresh = [c for c in changes if c.id not in receipts]
    # One block of revs for the whole push (one counter update, not one per change); a
    # refused change leaves a gap, which the cursor simply steps over.
    revs = iter(range(next_rev(session, len(fresh)) - len(fresh) + 1, 10**18)) if fresh \
        else iter(())
    seen: set[str] = set()
    for change in changes:
        receipt = receipts.get(change.id)
        if receipt is not None or change.id in seen:
            acks.append(_replayed(receipt, user) if receipt is not None else
                        Ack(change_id=change.id, status="refused",
                            error=DomainError("duplicate_change").as_dict()))
            continue
        seen.add(change.id)
        key = (change.entity, change.record_id)
        info = touched.setdefault(key, {"ok": True, "rev": None, "pre": None})
        try:
            with session.begin_nested():
                ack, applied = _apply_one(session, user, scope, device_id, change,
                                          seen=_seen(change, cursor, pulled), now=now,
                                          rev=next(revs))
        except DomainError as err:
            ack, applied = Ack(change_id=change.id, status="refused", error=err.as_dict()), None
        except IntegrityError:
            # A database constraint (e.g. a unique column) refused it: only this change is
            # rolled back (its savepoint) and refused; the rest of the batch goes through.
            ack, applied = Ack(change_id=change.id, status="refused",
                               error=DomainError("record_conflict").as_dict()), None
        if applied is None:
            info["ok"] = False
        else:
            if info["pre"] is None:
                info["pre"] = applied["pre_rev"]
            info["rev"] = ack.rev
            info["ok"] = info["ok"] and applied["clean"]
        session.add(PushReceipt(change_id=change.id, device_id=device_id, user_id=user.id,
                                received_at=now, ack=ack.model_dump()))
        acks.append(ack)
    settled = {k: v["rev"] for k, v in touched.items()
               if v["ok"] and v["rev"] is not None and (v["pre"] or 0) <= cursor}
    for ack, change in zip(acks, changes):
        if ack.status == "accepted" and (change.entity, change.record_id) in settled:
            ack.settled = True
    session.flush()
    return acks, settled


def _replayed(receipt: PushReceipt, user: User) -> Ack:
    """A change seen before: the same answer, no further effect."""
    if receipt.user_id != user.id:
        return Ack(change_id=receipt.change_id, status="refused",
                   error=DomainError("duplicate_change").as_dict())
    ack = Ack(**receipt.ack)
    ack.settled = False  # the device's state is unknown now: let the pull send the record
    return ack


def _seen(change: Change, cursor: int, pulled: int | None) -> int | None:
    """What the device had pulled when this change was typed, for authorisation: its
    `seen_rev` (or this request's cursor) may say less than the server knows it had pulled
    before this exchange, never more; a device new to the server had pulled nothing."""
    if pulled is None:
        return None
    claimed = cursor if change.seen_rev is None else min(cursor, change.seen_rev)
    return max(pulled, claimed)


def _apply_one(session: Session, user: User, scope: Scope, device_id: str, change: Change, *,
               seen: int | None, now: dt.datetime, rev: int
               ) -> tuple[Ack, dict[str, Any] | None]:
    if change.entity == CONFLICTS:
        rev = _resolve_conflict(session, user, scope, change, now=now, rev=rev)
        return Ack(change_id=change.id, status="accepted", rev=rev), {"pre_rev": 0,
                                                                       "clean": False}
    entity = ENTITIES.get(change.entity)
    if entity is None:
        raise DomainError("unknown_entity", value=change.entity[:64])
    if change.entity in READ_ONLY:
        raise DomainError("read_only_entity", value=change.entity)
    try:
        if len(change.clock) > 64:  # the change log's column; a real stamp is ~30 characters
            raise ValueError(change.clock[:64])
        hlc.parse(change.clock)
    except ValueError:
        raise DomainError("bad_clock") from None
    clock = hlc.clamp(change.clock, _ms(now), MAX_AHEAD_MS)
    if entity is WorkRequest:
        # Requests move only as the workflow engine allows (services/workflows.py).
        row, _ = workflows.push_request(
            session, user, scope, change.record_id, change.values, seen=seen, now=now,
            stamp=workflows.Stamp(change.id, clock, device_id, rev))
        return (Ack(change_id=change.id, status="accepted", rev=row.rev),
                {"pre_rev": 0, "clean": False})
    # The same checks a REST write goes through (services/authorize.py).
    checked = authorize_and_validate(session, scope, entity, change.record_id, change.values,
                                     user_id=user.id, seen=seen)
    pre_rev = checked.row.rev if checked.row is not None else 0
    applied = merge_change_into(session, entity, change.record_id, checked.values, now=now,
                                clock=clock, base=change.base, actor_id=user.id,
                                device_id=device_id, change_id=change.id, rev=rev)
    if entity is Person and applied.moved_from is not None:
        # The same rule as a REST move: the person's tags go with them (issue 11, defect 2).
        move_tags_with(session, applied.row, now=now, actor_id=user.id)
    held = entity is Person and applied.created and workflows.on_person_created(
        session, user, applied.row, now=now) is not None
    if entity is Person and not applied.created:
        # A grid change waits for the receiving grid: the device gets the old grid back (for
        # the person and the tags it moved with them), and the transfer request, at its pull.
        workflows.on_person_updated(session, user, applied.row, moved_from=applied.moved_from,
                                    transfer_to=checked.transfer_to, now=now)
    clean = (not applied.conflicts and not applied.restamped and clock == change.clock
             and applied.moved_from is None and not held  # held: 待审核 goes back
             and checked.transfer_to is None)
    return (Ack(change_id=change.id, status="accepted", rev=applied.rev),
            {"pre_rev": pre_rev, "clean": clean})


def _resolve_conflict(session: Session, user: User, scope: Scope, change: Change, *,
                      now: dt.datetime, rev: int) -> int:
    conflict = session.get(SyncConflict, change.record_id)
    if conflict is None:
        raise DomainError("not_found")
    if not scope.contains_grid(session, conflict.grid_id):
        raise DomainError("out_of_scope")
    choice = str(change.values.get("resolution") or "accept")
    if not conflict.resolved:
        conflict.resolved = True
        conflict.resolution = choice[:16]
        conflict.resolved_by = user.id
        conflict.rev = rev
        session.add(ChangeLog(rev=conflict.rev, entity=CONFLICTS, record_id=conflict.id,
                              grid_id=conflict.grid_id, actor_id=user.id,
                              change_id=change.id, values={"resolution": choice},
                              old_values={}, clock=change.clock, at=now))
    return conflict.rev


__all__ = ["exchange", "push_half", "pull_half", "PendingPull", "push", "register_device",
           "check_versions", "MAX_AHEAD_MS"]
