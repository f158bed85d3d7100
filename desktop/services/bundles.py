"""USB sync bundles on the desktop (docs/SYNC.md, USB bundles): a laptop with no signal exports
its sync request to a file, an office computer with a network relays it and brings back the
server's sealed answer, and the laptop imports it.

- `export_request`: the laptop's unsent changes (up to the server's limit) and its cursor, as a
  `SyncRequest`, sealed with the device's bundle key. Exporting does not touch the outbox: the
  changes leave it only when the answer acknowledges them, exactly as over the network.
- `import_answer`: authenticate, then apply every answer in one local transaction (acks,
  quarantine, rows, conflicts, cursor). An answer whose sequence is not newer than the last one
  imported is ignored (re-importing, or an old file, changes nothing), and pulled rows older than
  the local copy are skipped (a network sync may have come in between).
- `relay_bundle`: the office computer's part, bytes in, bytes out; it holds no key.
The bundle key comes from the server at an online sign-in (`refresh_bundle_key`) and is kept in
the encrypted database's settings.
"""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from common.errors import DomainError
from common.schema import ENTITIES
from common.sync.bundle import (ANSWER, REQUEST, SUFFIX, BundleHeader, open_bundle, read_header,
                                seal)
from common.sync.messages import (EntityRows, PullRequest, PullResponse, PushRequest,
                                  SyncRequest, SyncResponse)
from desktop.net import bundles as net
from desktop.net.sync import HttpSyncTransport
from desktop.storage import outbox, replica
from desktop.storage.changes import sync_state
from desktop.storage.settings import get_setting, put_setting
from desktop.storage.tables import OutboxEntry

SETTING = "usb_bundle"
"""{"key": hex, "user_id", "device_id", "next_seq", "last_answer"} in the encrypted settings."""
MAX_PUSH = 2000
"""The server's limit of changes per exchange (sync_server.services.sync.MAX_CHANGES)."""
PULL_BYTES = 2_000_000
"""A bundle travels by hand, not over 2G: big batches, fewer of them."""


@dataclass
class ImportResult:
    """What importing one answer bundle did (counts over all its answers); built on the thread
    that ran the import (the app's writer lane, or the CLI)."""

    seq: int
    stale: bool = False
    accepted: int = 0
    refused: int = 0
    received: int = 0
    conflicts: int = 0
    more: bool = False
    pending: int = 0
    revoked: bool = False
    """The server revoked this device (a lost laptop): the caller must wipe the profile."""

    def text(self) -> str:
        if self.stale:
            return f"同步包 {self.seq} 号已导入过（或比已导入的旧），本次没有任何改变"
        tail = "；服务器还有数据，请再导出一次同步包" if self.more else ""
        return (f"已导入同步包 {self.seq} 号：上传成功 {self.accepted} 条，被拒 {self.refused} 条，"
                f"收到 {self.received} 条，待上传 {self.pending} 条{tail}")


def store_key(engine: Engine, answer: dict[str, Any], *, now: dt.datetime) -> None:
    """Keep the key the server issued for this device (kept across renewals: same key)."""
    with Session(engine) as s, s.begin():
        stored = dict(get_setting(s, SETTING) or {})
        if stored.get("device_id") != answer["device_id"]:
            stored = {"next_seq": stored.get("next_seq", 1),
                      "last_answer": stored.get("last_answer", 0)}
        stored.update(key=answer["key"], user_id=answer["user_id"],
                      device_id=answer["device_id"])
        put_setting(s, SETTING, stored, now=now)


def refresh_bundle_key(engine: Engine, transport: HttpSyncTransport, token: str, *,
                       now: dt.datetime) -> None:
    """At an online sign-in: ask the server for this device's bundle key and keep it."""
    with Session(engine) as s:
        device_id = sync_state(s).device_id
    store_key(engine, net.fetch_key(transport, token, device_id), now=now)


def keep_key(sync_service: Any) -> None:
    """After a network sync (app or CLI): fetch this device's bundle key if it has none yet, so
    the laptop can sync by USB later; an older server without bundles is simply skipped."""
    profile = sync_service.profile
    if not isinstance(sync_service.transport, HttpSyncTransport) or has_key(profile.engine):
        return
    try:
        refresh_bundle_key(profile.engine, sync_service.transport,
                           sync_service._token() or "", now=sync_service.clock())
    except DomainError as err:
        if err.code == "device_revoked":
            raise


def has_key(engine: Engine) -> bool:
    with Session(engine) as s:
        return bool((get_setting(s, SETTING) or {}).get("key"))


def _stored(session: Session) -> dict[str, Any]:
    stored = dict(get_setting(session, SETTING) or {})
    if not stored.get("key"):
        raise DomainError("bundle_key_missing")
    return stored


def export_request(engine: Engine, *, now: dt.datetime,
                   max_bytes: int = PULL_BYTES) -> tuple[bytes, int]:
    """The sealed request bundle and the count of changes inside (one transaction)."""
    with Session(engine) as s, s.begin():
        return export_in(s, now=now, max_bytes=max_bytes)


def export_in(s: Session, *, now: dt.datetime,
              max_bytes: int = PULL_BYTES) -> tuple[bytes, int]:
    """As export_request, in the caller's transaction (the app's writer lane commits it)."""
    stored = _stored(s)
    state = sync_state(s)
    if state.device_id != stored["device_id"]:
        raise DomainError("bundle_key_missing")
    changes = [outbox.as_change(e) for e in outbox.pending(s, MAX_PUSH)]
    request = SyncRequest(device_id=state.device_id, push=PushRequest(changes=changes),
                          pull=PullRequest(cursor=state.cursor or 0, max_bytes=max_bytes))
    seq = int(stored.get("next_seq") or 1)
    header = BundleHeader(device_id=state.device_id, user_id=stored["user_id"],
                          direction=REQUEST, seq=seq, created=now.isoformat())
    data = seal(bytes.fromhex(stored["key"]), header,
                {"request": request.model_dump(mode="json")})
    stored["next_seq"] = seq + 1
    put_setting(s, SETTING, stored, now=now)
    return data, len(changes)


def import_answer(engine: Engine, data: bytes, *, now: dt.datetime) -> ImportResult:
    """Apply an answer bundle (DomainError bundle_* if it is not this device's or was changed)."""
    with Session(engine) as s, s.begin():
        return import_in(s, data, now=now)


def import_in(s: Session, data: bytes, *, now: dt.datetime) -> ImportResult:
    """As import_answer, in the caller's transaction (the app's writer lane commits it)."""
    stored = _stored(s)
    header, payload = open_bundle(bytes.fromhex(stored["key"]), data, direction=ANSWER,
                                  device_id=stored["device_id"])
    result = ImportResult(seq=header.seq)
    if header.seq <= int(stored.get("last_answer") or 0):
        result.stale = True
        result.pending = outbox.pending_count(s)
        return result
    if payload.get("revoked"):
        result.revoked = True  # the caller wipes the profile (services/revocation.py)
        return result
    try:
        answers = [SyncResponse.model_validate(r) for r in payload["responses"]]
    except Exception:  # noqa: BLE001 - authenticated but malformed: a writer's bug
        raise DomainError("bundle_invalid") from None
    for answer in answers:
        _apply(s, answer, result, now=now)
    replica.drop_settled_departures(s)
    result.pending = outbox.pending_count(s)
    result.more = bool(answers) and answers[-1].pull.more
    stored["last_answer"] = header.seq
    put_setting(s, SETTING, stored, now=now)
    return result


def _apply(s: Session, answer: SyncResponse, result: ImportResult, *, now: dt.datetime) -> None:
    # As SyncService._apply, minus the clock offset: a bundle's round trip takes hours or days,
    # so the server time inside says nothing about this laptop's clock.
    ids = [a.change_id for a in answer.push.acks]
    sent = {e.change_id: (e.entity, e.record_id) for e in s.scalars(
        select(OutboxEntry).where(OutboxEntry.change_id.in_(ids)))} if ids else {}
    accepted, refused = outbox.settle(s, answer.push.acks, now=now)
    replica.apply_acks(s, answer.push.acks, sent)
    counts = replica.apply_pull(s, _newer_only(s, answer.pull), now=now)
    result.accepted += accepted
    result.refused += refused
    result.received += counts["rows"]
    result.conflicts += counts["conflicts"]


def _newer_only(s: Session, pull: PullResponse) -> PullResponse:
    """Drop pulled rows the local copy already holds in a newer state (a network sync came in
    between the export and this import): an old answer never overwrites newer data."""
    data: dict[str, EntityRows] = {}
    for name, block in pull.data.items():
        entity = ENTITIES.get(name)
        if entity is None or "rev" not in block.cols:
            data[name] = block
            continue
        i_id, i_rev = block.cols.index("id"), block.cols.index("rev")
        ids = [r[i_id] for r in block.rows]
        local: dict[str, int] = {}
        for k in range(0, len(ids), 500):
            for rid, rev in s.execute(select(entity.id, entity.rev)
                                      .where(entity.id.in_(ids[k:k + 500]))):
                local[rid] = rev or 0
        rows = [r for r in block.rows if (local.get(r[i_id]) or 0) <= (r[i_rev] or 0)]
        data[name] = EntityRows(cols=block.cols, rows=rows)
    return pull.model_copy(update={"data": data})


def relay_bundle(transport: HttpSyncTransport, token: str, data: bytes) -> bytes:
    """The office computer's part: check it is a request bundle, hand it over, return the
    answer bundle for the laptop. It cannot read or change either."""
    if read_header(data).direction != REQUEST:
        raise DomainError("bundle_wrong_direction", value=ANSWER)
    return net.relay(transport, token, data)


def export_to(s: Session, target: Path, *, now: dt.datetime,
              name: str = "本机") -> tuple[Path, int]:
    """Export into a file, or into a folder (a USB stick) under a numbered name, in the
    caller's transaction (a failed write rolls the sequence number back)."""
    data, count = export_in(s, now=now)
    if target.is_dir():
        target = target / f"同步包-{name}-{read_header(data).seq:04d}{SUFFIX}"
    write_atomic(target, data)
    return target, count


def import_from(s: Session, source: Path, *, now: dt.datetime) -> ImportResult:
    return import_in(s, source.read_bytes(), now=now)


def wipe_if_revoked(result: ImportResult, profile: Any, *, now: dt.datetime) -> None:
    """After an import that said the device is revoked: wipe the profile folder and raise the
    refusal (its Chinese message says the data was cleared), as the network path does."""
    if not result.revoked:
        return
    from desktop.services.revocation import wipe_profile
    wipe_profile(profile.path, now=now, engine=profile.engine)
    raise DomainError("device_revoked", wiped=True)


def relay_files(sync_service: Any, sources: list[Path]) -> list[Path]:
    """The office computer relays request files with its own signed-in sync service (its
    token, renewed once if expired); each answer is written beside its request."""
    out = []
    for source in sources:
        data = source.read_bytes()
        try:
            answer = relay_bundle(sync_service.transport, sync_service._token() or "", data)
        except DomainError as err:
            if err.code not in ("token_expired", "token_invalid", "not_authenticated"):
                raise
            sync_service._renew_token()
            answer = relay_bundle(sync_service.transport, sync_service._token() or "", data)
        stem = source.stem.replace("同步包", "回执包")
        target = source.with_name((stem if stem != source.stem else stem + "-回执包") + SUFFIX)
        write_atomic(target, answer)
        out.append(target)
    return out


def write_atomic(path: Path, data: bytes) -> None:
    # Temp file then rename: a stick pulled out mid-write leaves no half bundle under the name.
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def describe(data: bytes) -> dict[str, Any]:
    """What the clear header says (for a UI listing files on a stick)."""
    h = read_header(data)
    return {"device_id": h.device_id, "direction": h.direction, "seq": h.seq,
            "created": h.created}


__all__ = ["export_request", "import_answer", "export_in", "import_in", "export_to",
           "import_from", "relay_bundle", "relay_files", "refresh_bundle_key", "keep_key",
           "store_key", "has_key", "wipe_if_revoked", "describe", "write_atomic",
           "ImportResult", "SETTING"]
