"""USB sync bundles on the desktop (docs/SYNC.md, USB bundles): a laptop with no signal exports
its sync request to a file, an office computer with a network relays it and brings back the
server's sealed answer, and the laptop imports it.

- `export_request`: the laptop's unsent changes (up to the server's limit) and its cursor, as a
  `SyncRequest`, sealed with the device's bundle key, with the originals of the photos the
  network upload would send (services/attachments.pending_photos) up to PHOTO_BUDGET bytes; the
  rest go with the next export. Exporting does not touch the outbox or mark photos sent: both
  happen only when the answer says the server has them, exactly as over the network.
- `import_answer`: authenticate, then apply every answer in one local transaction (acks,
  quarantine, rows, conflicts, cursor). An answer whose sequence is not newer than the last one
  imported is ignored (re-importing, or an old file, changes nothing), and pulled rows older than
  the local copy are skipped (a network sync may have come in between). The photos the answer
  says the server holds are marked sent; refused ones are remembered and not carried again.
- `relay_bundle`: the office computer's part, bytes in, bytes out; it holds no key.
The bundle key comes from the server at an online sign-in (`refresh_bundle_key`) and is kept in
the encrypted database's settings.
"""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from common.errors import DomainError
from common.schema import ENTITIES
from common.sync.bundle import (ANSWER, REQUEST, SUFFIX, BundleHeader, read_header, seal,
                                unseal)
from common.sync.messages import (EntityRows, PullRequest, PullResponse, PushRequest,
                                  SyncRequest, SyncResponse)
from desktop.net import bundles as net
from desktop.net.sync import HttpSyncTransport
from desktop.services.attachments import pending_photos
from desktop.storage.blobs import BlobStore
from desktop.storage import outbox, replica
from desktop.storage.changes import sync_state
from desktop.storage.database import read_only
from desktop.storage.settings import get_setting, put_setting
from desktop.storage.tables import OutboxEntry

SETTING = "usb_bundle"
"""{"key": hex, "user_id", "device_id", "next_seq", "last_answer"} in the encrypted settings."""
MAX_PUSH = 2000
"""The server's limit of changes per exchange (sync_server.services.sync.MAX_CHANGES)."""
PULL_BYTES = 2_000_000
"""A bundle travels by hand, not over 2G: big batches, fewer of them."""
PHOTO_BUDGET = 100 * 1024 * 1024
"""Photo bytes one request bundle carries at most: a stick holds far more, but the office
computer uploads it in one request and the server holds it in memory (max_bundle_bytes)."""

FINAL_REFUSALS = frozenset({"attachment_too_large", "attachment_not_image", "attachment_empty",
                            "attachment_bad_hash"})
"""Refusals the same bytes would meet again: such a photo is not carried again (others, e.g. a
race with a network upload of the same photo, are retried with the next bundle)."""


@dataclass
class ExportResult:
    """What one export wrote: the sealed bytes, how many changes and photos are inside, and how
    many photos wait for the next export (over the budget)."""

    data: bytes
    seq: int
    changes: int
    photos: int = 0
    photo_bytes: int = 0
    photos_left: int = 0

    def text(self) -> str:
        out = f"{self.changes} 条修改"
        if self.photos:
            out += f"，{self.photos} 张照片（{self.photo_bytes / 1048576:.1f} MB）"
        if self.photos_left:
            out += f"；还有 {self.photos_left} 张照片超出本次同步包的容量，将随下一个同步包带走"
        return out


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
    photos_held: int = 0
    """Photos of this answer the server now holds (marked sent here)."""
    photos_refused: dict[str, str] = field(default_factory=dict)
    """{sha256: the server's reason (Chinese)} for photos it would not take."""
    photos_pending: int = 0

    def text(self) -> str:
        if self.stale:
            return f"同步包 {self.seq} 号已导入过（或比已导入的旧），本次没有任何改变"
        tail = "；服务器还有数据，请再导出一次同步包" if self.more else ""
        photos = ""
        if self.photos_held or self.photos_refused or self.photos_pending:
            photos = f"；照片：服务器已收到 {self.photos_held} 张，待上传 {self.photos_pending} 张"
            if self.photos_refused:
                photos += f"，被拒 {len(self.photos_refused)} 张（" + "；".join(
                    sorted(set(self.photos_refused.values()))) + "）"
            if self.photos_pending and not tail:
                tail = "；请再导出一次同步包带走其余照片"
        return (f"已导入同步包 {self.seq} 号：上传成功 {self.accepted} 条，被拒 {self.refused} 条，"
                f"收到 {self.received} 条，待上传 {self.pending} 条{photos}{tail}")


def store_key(engine: Engine, answer: dict[str, Any], *, now: dt.datetime) -> None:
    """Keep the key the server issued for this device (kept across renewals: same key)."""
    with Session(engine) as s, s.begin():
        store_key_in(s, answer, now=now)


def store_key_in(s: Session, answer: dict[str, Any], *, now: dt.datetime) -> None:
    """As store_key, in the caller's transaction (the app's writer lane)."""
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
        with Session(read_only(profile.engine)) as s:
            device_id = sync_state(s).device_id
        answer = net.fetch_key(sync_service.transport, sync_service.token() or "", device_id)
        now = sync_service.clock()
        sync_service.write(lambda s: store_key_in(s, answer, now=now))  # on the one writer
    except DomainError as err:
        if err.code == "device_revoked":
            raise


def has_key(engine: Engine) -> bool:
    with Session(read_only(engine)) as s:
        return bool((get_setting(s, SETTING) or {}).get("key"))


def _stored(session: Session) -> dict[str, Any]:
    stored = dict(get_setting(session, SETTING) or {})
    if not stored.get("key"):
        raise DomainError("bundle_key_missing")
    return stored


def export_request(engine: Engine, *, now: dt.datetime, max_bytes: int = PULL_BYTES,
                   store: BlobStore | None = None,
                   photo_budget: int = PHOTO_BUDGET) -> ExportResult:
    """The sealed request bundle, with the photos of `store` still to send (one transaction)."""
    with Session(engine) as s, s.begin():
        return export_in(s, now=now, max_bytes=max_bytes, store=store,
                         photo_budget=photo_budget)


def export_in(s: Session, *, now: dt.datetime, max_bytes: int = PULL_BYTES,
              store: BlobStore | None = None, photo_budget: int = PHOTO_BUDGET) -> ExportResult:
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
    photos, left = _photos_to_carry(s, store, stored, photo_budget)
    data = seal(bytes.fromhex(stored["key"]), header,
                {"request": request.model_dump(mode="json")}, photos=photos)
    stored["next_seq"] = seq + 1
    put_setting(s, SETTING, stored, now=now)
    return ExportResult(data=data, seq=seq, changes=len(changes), photos=len(photos),
                        photo_bytes=sum(len(b) for _, b in photos), photos_left=left)


def _photos_to_carry(s: Session, store: BlobStore | None, stored: dict[str, Any],
                     budget: int) -> tuple[list[tuple[str, bytes]], int]:
    """(sha256, original) of the unsent photos that fit in `budget` (at least one, so a budget
    smaller than a photo still moves), and how many are left for the next bundle. Photos the
    server refused before are not carried again: the same bytes would be refused again."""
    if store is None:
        return [], 0
    refused = stored.get("refused_photos") or {}
    todo = [h for h in pending_photos(s, store) if h not in refused]
    out: list[tuple[str, bytes]] = []
    total = 0
    for sha in todo:
        size = store.size(sha)
        if out and total + size > budget:
            continue
        try:
            data = store.get(sha)  # decrypted and checked against its name
        except DomainError:
            continue  # damaged on this disk: counted as left, the network path reports it
        out.append((sha, data))
        total += len(data)
    return out, len(todo) - len(out)


def import_answer(engine: Engine, data: bytes, *, now: dt.datetime,
                  store: BlobStore | None = None) -> ImportResult:
    """Apply an answer bundle (DomainError bundle_* if it is not this device's or was changed);
    the photos it says the server holds are marked sent in `store`."""
    with Session(engine) as s, s.begin():
        return import_in(s, data, now=now, store=store)


def import_in(s: Session, data: bytes, *, now: dt.datetime,
              store: BlobStore | None = None) -> ImportResult:
    """As import_answer, in the caller's transaction (the app's writer lane commits it)."""
    stored = _stored(s)
    header, payload, _ = unseal(bytes.fromhex(stored["key"]), data, direction=ANSWER,
                                device_id=stored["device_id"])
    result = ImportResult(seq=header.seq)
    if not payload.get("revoked"):
        # Even from an old answer: "the server holds it" stays true, so marking is always safe.
        _settle_photos(s, store, payload.get("photos") or {}, stored, result, now=now)
    if header.seq <= int(stored.get("last_answer") or 0):
        result.stale = True
        result.pending = outbox.pending_count(s)
        return result
    if payload.get("revoked"):
        result.revoked = True  # the caller wipes the profile (services/revocation.py)
        return result
    try:
        answers = [SyncResponse.model_validate(r) for r in payload["responses"]]
    except (KeyError, TypeError, ValidationError):  # authenticated but malformed: a bug
        raise DomainError("bundle_invalid") from None
    for answer in answers:
        _apply(s, answer, result, now=now)
    replica.drop_settled_departures(s)
    result.pending = outbox.pending_count(s)
    result.more = bool(answers) and answers[-1].pull.more
    stored["last_answer"] = header.seq
    put_setting(s, SETTING, stored, now=now)
    return result


def _settle_photos(s: Session, store: BlobStore | None, photos: dict[str, Any],
                   stored: dict[str, Any], result: ImportResult, *, now: dt.datetime) -> None:
    held = [h for h in photos.get("held") or [] if isinstance(h, str)]
    refused = photos.get("refused") or {}
    if store is not None:
        for sha in held:
            if store.has(sha):
                store.mark_sent(sha)
    result.photos_held = len(held)
    result.photos_refused = {
        sha: DomainError(r.get("code", ""), **(r.get("params") or {})).message()
        for sha, r in refused.items() if isinstance(r, dict)}
    final = {sha: r.get("code") for sha, r in refused.items()
             if isinstance(r, dict) and r.get("code") in FINAL_REFUSALS}
    if final:
        stored["refused_photos"] = {**(stored.get("refused_photos") or {}), **final}
        put_setting(s, SETTING, stored, now=now)
    if store is not None:
        known = stored.get("refused_photos") or {}
        result.photos_pending = sum(1 for h in pending_photos(s, store) if h not in known)


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


def export_to(s: Session, target: Path, *, now: dt.datetime, name: str = "本机",
              store: BlobStore | None = None) -> tuple[Path, ExportResult]:
    """Export into a file, or into a folder (a USB stick) under a numbered name, in the
    caller's transaction (a failed write rolls the sequence number back)."""
    result = export_in(s, now=now, store=store)
    if target.is_dir():
        target = target / f"同步包-{name}-{result.seq:04d}{SUFFIX}"
    write_atomic(target, result.data)
    return target, result


def import_from(s: Session, source: Path, *, now: dt.datetime,
                store: BlobStore | None = None) -> ImportResult:
    return import_in(s, source.read_bytes(), now=now, store=store)


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
           "ImportResult", "ExportResult", "SETTING", "PHOTO_BUDGET"]
