"""Wire types of the sync protocol (see docs/SYNC.md): one exchange = push then pull.

A device sends one `SyncRequest` (its unsent changes, its cursor, a byte budget); the server
answers one `SyncResponse` (an acknowledgement per change, then the first batch of everything in
the device's scope past the cursor). Bodies travel as zstd-compressed JSON.
"""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from ..version import APP_VERSION
from .digest import Verify

PROTOCOL_VERSION = 3
"""Bumped when the messages change shape (2: snapshot batches in the column-wise form,
codec.columnar; compact access tokens; 3: one table of identifiers per snapshot)."""
MIN_PROTOCOL_VERSION = 2
"""The oldest client protocol the server still speaks; older clients are told to update."""
MIN_SNAPSHOT_PROTOCOL = 3
"""The oldest client protocol that reads the snapshot batches (their identifier table spans
the snapshot); an older client asking for a snapshot is told to update."""
SCHEMA_VERSION = 2
"""Bumped when a synced entity gains or loses a field; older clients are told to update."""
MIN_SCHEMA_VERSION = 2

MEDIA_TYPE = "application/vnd.yzb.sync+zstd"
PROTOCOL_HEADER = "X-Sync-Protocol"
"""Requests without a sync body (snapshots) state the client's protocol and schema here, as
"<protocol>.<schema>"; a missing header is protocol 1."""
MAX_REV = 2**62
"""Revs and cursors fit a signed 64-bit column; a larger number is not a cursor."""
CONFLICTS = "_conflicts"
"""Pseudo-entity of a change that resolves a conflict (record_id = the conflict's id)."""


class Change(BaseModel):
    """One local change: new values for some fields of one record. `values` may hold `deleted`
    (True: tombstone, False: restore). `base` holds the field stamps the device held when the
    user edited (the merge rule uses them to tell a follow-up from a concurrent edit)."""

    id: str = Field(max_length=36)
    entity: str
    record_id: str
    values: dict[str, Any]
    clock: str
    base: dict[str, str] = Field(default_factory=dict)
    seen_rev: int | None = Field(default=None, ge=-MAX_REV, le=MAX_REV)
    """The device's pull cursor when the user edited: tells the server whether the device had
    heard of a move of the record out of its scope (see docs/SYNC.md, moves)."""


class PushRequest(BaseModel):
    changes: list[Change] = Field(default_factory=list)


class Ack(BaseModel):
    """The server's answer to one change. `status`: accepted, or refused with an error dict
    (code, field, params, message). `rev` is the record's rev after the change. `settled`: the
    device already holds the server's state of that record (nothing lost, no other edits), so
    the pull leaves it out."""

    change_id: str
    status: Literal["accepted", "refused"]
    rev: int | None = None
    settled: bool = False
    clocks: dict[str, str] = Field(default_factory=dict)
    error: dict[str, Any] | None = None


class PushResponse(BaseModel):
    acks: list[Ack] = Field(default_factory=list)


class PullRequest(BaseModel):
    cursor: int = Field(default=0, ge=-MAX_REV, le=MAX_REV)
    max_bytes: int = Field(default=200_000, ge=-MAX_REV, le=MAX_REV)


class EntityRows(BaseModel):
    """Rows of one entity, column-wise names once, then one list of values per row."""

    cols: list[str]
    rows: list[list[Any]]


class ConflictWire(BaseModel):
    id: str
    rev: int
    entity: str
    record_id: str
    field: str
    winner_value: Any = None
    winner_clock: str = ""
    loser_value: Any = None
    loser_clock: str = ""
    loser_actor: str | None = None
    created_at: str
    resolved: bool = False
    resolution: str | None = None


class PullResponse(BaseModel):
    """One batch. `data`: rows by entity. `exits`: records that left the device's scope (moved
    to another grid): the device drops them once nothing of its own waits to be sent.
    `cursor`: where the next pull starts; `more`: another batch is waiting."""

    cursor: int
    more: bool = False
    data: dict[str, EntityRows] = Field(default_factory=dict)
    exits: list[tuple[str, str]] = Field(default_factory=list)
    conflicts: list[ConflictWire] = Field(default_factory=list)


class LocalLogEntry(BaseModel):
    """One line of a device's local operation log (an ID reveal, an export), sent up with a
    sync so the server's operation log holds it with the device and the original time."""

    seq: int = Field(ge=1, lt=MAX_REV)
    at: str = Field(max_length=40)
    user_id: str = Field(default="", max_length=36)
    action: str = Field(max_length=32)
    entity: str | None = Field(default=None, max_length=32)
    record_id: str | None = Field(default=None, max_length=36)
    detail: dict[str, Any] = Field(default_factory=dict)


MAX_LOCAL_LOG = 500
"""Local log lines per exchange; the rest go with the next exchange."""


class SyncRequest(BaseModel):
    protocol: int = PROTOCOL_VERSION
    schema_version: int = SCHEMA_VERSION
    device_id: str = Field(max_length=36)
    client_version: str | None = Field(default=APP_VERSION, max_length=16)
    """The desktop build's version: below the minimum of the latest published release the
    sync is refused with the release to download (server services/releases.py)."""
    push: PushRequest = Field(default_factory=PushRequest)
    pull: PullRequest = Field(default_factory=PullRequest)
    verify: Verify | None = None
    """What the device holds (its committed cursor, a digest): drift check, docs/SYNC.md."""
    local_log: list[LocalLogEntry] = Field(default_factory=list, max_length=MAX_LOCAL_LOG)
    """The device's local log lines not yet sent (reveals, exports); stored idempotently."""


def wire_form(message: BaseModel) -> dict[str, Any]:
    """A request's or answer's JSON for the wire: fields at their defaults left out (the other
    side's model fills them in), except the versions, which are always stated."""
    out = message.model_dump(mode="json", exclude_defaults=True)
    for name in ("protocol", "schema_version", "client_version"):
        if name in type(message).model_fields:
            out[name] = getattr(message, name)
    return out


COMPACT_ACKS = 3
"""From this protocol on, an answer's acks travel in their compact form (`compact_acks`)."""


def compact_acks(answer: dict[str, Any], request: SyncRequest) -> dict[str, Any]:
    """An answer's JSON (`wire_form`) with its acks compact, for a client of protocol 3 or
    later (`expand_acks` undoes it): the acks answer the request's changes one for one and in
    order, so each leaves out its `change_id` when it is that change's, `status` when
    accepted, and `rev` when it is the rev of the ack before it that had one, plus one (the
    revs of a push are one block). What is left of an ordinary ack is `{"settled":true}`."""
    if request.protocol < COMPACT_ACKS:
        return answer
    acks = (answer.get("push") or {}).get("acks")
    changes = request.push.changes
    if not acks or len(acks) != len(changes):
        return answer
    last = None
    out = []
    for ack, change in zip(acks, changes):
        ack = dict(ack)
        rev = ack.get("rev")
        if ack.get("change_id") == change.id:
            del ack["change_id"]
        if ack.get("status") == "accepted":
            del ack["status"]
            if rev is None:
                ack["rev"] = None  # stated: a missing rev would read as the next one
            elif last is not None and rev == last + 1:
                del ack["rev"]
        if rev is not None:
            last = rev
        out.append(ack)
    return {**answer, "push": {**answer["push"], "acks": out}}


def expand_acks(answer: dict[str, Any], request: SyncRequest) -> dict[str, Any]:
    """`compact_acks` undone (an answer in the full form is returned as it is)."""
    acks = (answer.get("push") or {}).get("acks")
    if not acks:
        return answer
    changes = request.push.changes
    last = None
    out = []
    for i, ack in enumerate(acks):
        ack = dict(ack)
        if "change_id" not in ack and i < len(changes):
            ack["change_id"] = changes[i].id
        if "status" not in ack:
            ack["status"] = "accepted"
            if "rev" not in ack and last is not None:
                ack["rev"] = last + 1
        if ack.get("rev") is not None:
            last = ack["rev"]
        out.append(ack)
    return {**answer, "push": {**answer["push"], "acks": out}}


class SyncResponse(BaseModel):
    protocol: int = PROTOCOL_VERSION
    schema_version: int = SCHEMA_VERSION
    server_time: str
    push: PushResponse = Field(default_factory=PushResponse)
    pull: PullResponse
    drift: str | None = None
    """Set when the device's copy drifted from what the server sent it (nothing was pushed):
    the device rebuilds its copy (desktop/services/rebuild.py) and syncs again."""
    local_log_seq: int | None = None
    """The highest local log line the server now holds (sent again, it is not stored twice)."""


__all__ = [
    "PROTOCOL_VERSION", "MIN_PROTOCOL_VERSION", "MIN_SNAPSHOT_PROTOCOL", "SCHEMA_VERSION", "MIN_SCHEMA_VERSION",
    "MEDIA_TYPE", "PROTOCOL_HEADER", "CONFLICTS", "Change", "PushRequest", "Ack", "PushResponse", "PullRequest",
    "EntityRows", "ConflictWire", "PullResponse", "SyncRequest", "SyncResponse",
    "LocalLogEntry", "MAX_LOCAL_LOG", "wire_form", "compact_acks", "expand_acks", "COMPACT_ACKS",
]
