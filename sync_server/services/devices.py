"""Lost devices: an admin revokes a device; from then on every request carrying it is refused.

A device identifies itself at sign-in (`device_id`); its access tokens carry it as the `dev`
claim and its refresh tokens record it, so a revoked device cannot sign in, refresh or call any
endpoint, and the refusal (code `device_revoked`, HTTP 403) tells the client to wipe its local
data. Who may revoke: the county admin any device; a township office a device whose user is in
its scope. Never commits: the caller owns the transaction.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from common.errors import DomainError
from common.schema import User

from ..db.device_tables import DeviceRevocation
from ..db.sync_tables import SyncDevice
from ..db.tables import RefreshToken
from ..settings import Settings
from .oplog import log_operation
from .scope import Scope

DEVICE_HEADER = "X-Device-Id"
"""Clients also name their device in this header; the token's claim is what binds."""


def _claims(token: str, settings: Settings) -> dict[str, Any]:
    from .auth import token_claims  # auth imports this module
    return token_claims(token, settings) or {}


def token_device(token: str, settings: Settings) -> str | None:
    """The device id claim of an (already verified) access token, if any."""
    dev = _claims(token, settings).get("dev")
    return dev if isinstance(dev, str) and dev else None


def check_request(session: Session, token: str, settings: Settings,
                  header_device: str | None = None) -> None:
    """Refuse a request from a revoked device (its token's claim or its header).

    A token issued without a device (an older client) cannot be tied to one device, so once any
    device of its user is revoked, such tokens issued before the revocation stop working too
    (`token_invalid`: the other devices simply sign in again)."""
    claims = _claims(token, settings)
    dev = claims.get("dev") if isinstance(claims.get("dev"), str) else None
    check_device(session, dev, header_device)
    if dev is None and isinstance(claims.get("sub"), str) and isinstance(claims.get("iat"), int):
        issued = dt.datetime.fromtimestamp(claims["iat"], dt.UTC).replace(tzinfo=None)
        hit = session.scalar(select(DeviceRevocation.device_id).where(
            DeviceRevocation.user_id == claims["sub"], DeviceRevocation.revoked_at >= issued)
            .limit(1))
        if hit is not None:
            raise DomainError("token_invalid")


def is_revoked(session: Session, device_id: str | None) -> bool:
    return bool(device_id) and session.get(DeviceRevocation, device_id) is not None


def check_device(session: Session, *device_ids: str | None) -> None:
    """Refuse with `device_revoked` if any of the given device ids has been revoked."""
    for device_id in device_ids:
        if is_revoked(session, device_id):
            raise DomainError("device_revoked", device_id=device_id)


def device_owner(session: Session, device_id: str) -> str | None:
    """The user a device belongs to: from the sync device table if it knows the device, else
    from the latest refresh token issued to it."""
    row = session.get(SyncDevice, device_id)
    if row is not None:
        return row.user_id
    return session.scalar(select(RefreshToken.user_id).where(RefreshToken.device_id == device_id)
                          .order_by(RefreshToken.issued_at.desc()).limit(1))


def revoke_device(session: Session, device_id: str, *, actor: User, now: dt.datetime,
                  reason: str | None = None) -> DeviceRevocation:
    """Revoke `device_id` (idempotent) and every refresh token issued to it.

    DomainError: device_not_found (unknown device, or one outside the actor's scope: the same
    answer, so ids cannot be probed), forbidden (a grid worker)."""
    if actor.role not in ("county_admin", "township_office"):
        raise DomainError("forbidden")
    owner_id = device_owner(session, device_id)
    owner = session.get(User, owner_id) if owner_id else None
    if owner is None:
        raise DomainError("device_not_found")
    if actor.role != "county_admin" and not Scope.of(session, actor).contains_grid(
            session, owner.scope_node_id):
        raise DomainError("device_not_found")
    row = session.get(DeviceRevocation, device_id)
    if row is None:
        row = DeviceRevocation(device_id=device_id, user_id=owner.id, revoked_at=now,
                               revoked_by=actor.id, reason=(reason or "")[:200] or None)
        session.add(row)
    # Its own refresh tokens, and the user's tokens not tied to any device (they may be its).
    session.execute(update(RefreshToken).where(
        or_(RefreshToken.device_id == device_id,
            and_(RefreshToken.user_id == owner.id, RefreshToken.device_id.is_(None))),
        RefreshToken.revoked_at.is_(None)).values(revoked_at=now))
    log_operation(session, user=actor, action="revoke_device", now=now, entity="devices",
                  record_id=device_id, details={"user_id": owner.id, "reason": reason})
    session.flush()
    return row


def list_devices(session: Session, actor: User) -> list[dict[str, Any]]:
    """The devices of users in the actor's scope (known from sign-ins and syncs)."""
    scope = Scope.of(session, actor)
    seen: dict[str, dict[str, Any]] = {}
    rows = session.execute(select(RefreshToken.device_id, RefreshToken.user_id,
                                  RefreshToken.issued_at)
                           .where(RefreshToken.device_id.is_not(None))
                           .order_by(RefreshToken.issued_at.desc())).all()
    for device_id, user_id, issued_at in rows:
        if device_id not in seen:
            seen[device_id] = {"device_id": device_id, "user_id": user_id,
                               "last_sign_in": issued_at}
    for dev in session.scalars(select(SyncDevice)):  # synced, even if signed in without an id
        item = seen.setdefault(dev.id, {"device_id": dev.id, "user_id": dev.user_id,
                                        "last_sign_in": None})
        item["last_sync"] = dev.last_seen
    out = []
    for item in seen.values():
        user = session.get(User, item["user_id"])
        if user is None or (actor.role != "county_admin"
                            and not scope.contains_grid(session, user.scope_node_id)):
            continue
        revoked = session.get(DeviceRevocation, item["device_id"])
        out.append({**item, "username": user.username, "display_name": user.display_name,
                    "revoked_at": revoked.revoked_at if revoked else None})
    return out
