"""USB sync bundles on the server: issue a device's bundle key, and answer a relayed request
bundle with the same exchange the network path runs (docs/SYNC.md, USB bundles).

The relaying user (an office computer with a network) only carries bytes: the sealed request
authenticates the laptop and its user, and the exchange runs as that user, so receipts, scope
checks and revocation apply exactly as over the network. Never commits (the route does).

Photos a version-2 bundle carries are stored after the records, each through the network
upload's own path (attachments.receive_whole: hash, image type, size limit, stored once by its
hash) in its own savepoint, so a refused photo leaves the records and the other photos in place;
the answer lists the photos the server now holds and the refused ones with their reason.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import ValidationError as PydanticValidationError
from sqlalchemy.orm import Session

from common.errors import DomainError
from common.schema import User
from common.sync.bundle import (ANSWER, REQUEST, BundleHeader, Photos, derive_key, read_header,
                                seal, unseal)
from common.sync.messages import PullRequest, PushRequest, SyncRequest, SyncResponse

from .attachments import AttachmentFiles, receive_whole
from .devices import check_device, device_owner
from .oplog import log_operation
from .scope import Scope
from .sync import exchange

MAX_BATCHES = 40
"""Pull batches one answer bundle carries at most; the rest comes with the next bundle."""
RELAY_ROLES = ("county_admin",)
"""Roles that may relay for anyone; others only for accounts inside their scope."""


def bundle_key(secret: str, device_id: str, user_id: str) -> bytes:
    return derive_key(secret.encode(), device_id, user_id)


def issue_key(session: Session, user: User, device_id: str, *, secret: str) -> dict[str, Any]:
    """The bundle key of `user`'s device, for the laptop to keep (asked at online sign-in).
    A device registered to another account is refused; a revoked one too."""
    if not device_id or len(device_id) > 36:
        raise DomainError("bundle_invalid")
    check_device(session, device_id)
    owner = device_owner(session, device_id)
    if owner is not None and owner != user.id:
        raise DomainError("device_mismatch")
    return {"device_id": device_id, "user_id": user.id,
            "key": bundle_key(secret, device_id, user.id).hex()}


def may_relay(session: Session, relayer: User, owner: User) -> bool:
    """The owner's account lies within the relaying user's scope (or it is their own)."""
    if relayer.id == owner.id or relayer.role in RELAY_ROLES:
        return True
    return Scope.of(session, relayer).contains_grid(session, owner.scope_node_id)


def relay(session: Session, relayer: User, data: bytes, *, secret: str, now: dt.datetime,
          files: AttachmentFiles | None = None) -> bytes:
    """Open a request bundle, run the exchange as its device's user (then pull-only exchanges
    until the scope is complete or MAX_BATCHES), store the photos it carries in `files`, and
    seal the answers for that device (in the request's format version)."""
    header = read_header(data)
    if header.direction != REQUEST:
        raise DomainError("bundle_wrong_direction", value=header.direction)
    owner = session.get(User, header.user_id)
    if owner is None or owner.deleted:
        raise DomainError("bundle_tampered")  # no such account: no key could have sealed it
    if not may_relay(session, relayer, owner):
        raise DomainError("bundle_relay_forbidden")
    key = bundle_key(secret, header.device_id, owner.id)
    header, payload, photos = unseal(key, data, direction=REQUEST)
    if not owner.active:
        raise DomainError("account_disabled")
    try:
        check_device(session, header.device_id)
    except DomainError:
        # A lost laptop: the sealed answer tells it (and only it, authenticated) to wipe itself.
        log_operation(session, user=relayer, action="relay_bundle_revoked", now=now,
                      entity="devices", record_id=header.device_id,
                      details={"user_id": owner.id, "seq": header.seq})
        return seal(key, _answer_header(header, now), {"request_seq": header.seq,
                                                      "revoked": True, "responses": []})
    try:
        request = SyncRequest.model_validate(payload["request"])
    except (KeyError, TypeError, PydanticValidationError):  # authenticated but malformed
        raise DomainError("bundle_invalid") from None
    if request.device_id != header.device_id:
        raise DomainError("bundle_invalid")
    answers = [exchange(session, owner, request, now=now)]
    while answers[-1].pull.more and len(answers) < MAX_BATCHES:
        answers.append(exchange(session, owner, request.model_copy(update={
            "push": PushRequest(),
            "pull": PullRequest(cursor=answers[-1].pull.cursor,
                                max_bytes=request.pull.max_bytes)}), now=now))
    held, refused = receive_photos(session, files, photos, owner=owner,
                                   device_id=header.device_id, now=now)
    log_operation(session, user=relayer, action="relay_bundle", now=now, entity="devices",
                  record_id=header.device_id,
                  details={"user_id": owner.id, "seq": header.seq,
                           "changes": len(request.push.changes), "batches": len(answers),
                           "photos": len(held),
                           "photos_refused": {k: v["code"] for k, v in refused.items()}})
    extra = {"photos": {"held": held, "refused": refused}} if header.version >= 2 else {}
    return seal_answer(key, header, answers, now=now, extra=extra)


def receive_photos(session: Session, files: AttachmentFiles | None, photos: Photos, *,
                   owner: User, device_id: str, now: dt.datetime
                   ) -> tuple[list[str], dict[str, dict[str, Any]]]:
    """Store each photo as a complete attachment; returns (hashes now held, {hash: {"code",
    "params"} of its refusal}). A refusal rolls back only that photo's savepoint."""
    held: list[str] = []
    refused: dict[str, dict[str, Any]] = {}
    if photos and files is None:
        raise ValueError("a bundle with photos needs the server's attachment folder")
    for sha, body in photos:
        try:
            with session.begin_nested():
                receive_whole(session, files, sha, body, user_id=owner.id,  # type: ignore[arg-type]
                              device_id=device_id, now=now)
        except DomainError as err:
            refused[sha] = {"code": err.code, "params": err.params}
            continue
        held.append(sha)
    return held, refused


def seal_answer(key: bytes, request_header: BundleHeader, answers: list[SyncResponse], *,
                now: dt.datetime, extra: dict[str, Any] | None = None) -> bytes:
    return seal(key, _answer_header(request_header, now),
                {"request_seq": request_header.seq,
                 "responses": [a.model_dump(mode="json") for a in answers], **(extra or {})})


def _answer_header(request_header: BundleHeader, now: dt.datetime) -> BundleHeader:
    # The answer speaks the request's version: a laptop that wrote version 1 can read it.
    return BundleHeader(device_id=request_header.device_id, user_id=request_header.user_id,
                        direction=ANSWER, seq=request_header.seq, created=now.isoformat(),
                        version=request_header.version)


__all__ = ["issue_key", "relay", "may_relay", "bundle_key", "receive_photos", "MAX_BATCHES"]
