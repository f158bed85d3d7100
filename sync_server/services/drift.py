"""Drift detection: does the device still hold what the server sent it? (docs/SYNC.md, Drift
repair.)

Each exchange whose request carries `verify` (the device's committed cursor and, optionally, a
digest of its rows) is checked before anything is pushed:

- **cursor regression**: the device states a committed cursor below one it stated before. Only
  committed cursors are stated (prefetch requests carry no `verify`), so a lost answer or a
  killed client never looks like this; a laptop restored from an old backup does.
- **digest mismatch**: the device is caught up (its cursor is the server's current rev) and the
  count/XOR-hash of `id:rev` per entity of its rows differs from the server's over the device's
  scope. Compared at most once per `DIGEST_EVERY` per device, since it reads the whole scope.

On drift the exchange answers `drift` (a reason) with nothing pushed or pulled; the device
rebuilds its copy and syncs again.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from common.schema import ENTITIES
from common.sync.digest import Verify, differences, fold

from ..db.snapshot_tables import DeviceHolding
from .changes import current_rev
from .scope import Scope

DIGEST_EVERY = dt.timedelta(hours=1)
"""A caught-up device's digest is compared at most this often (it costs a scan of its scope)."""


def check_drift(session: Session, scope: Scope, device_id: str, verify: Verify, *,
                now: dt.datetime, digest_every: dt.timedelta = DIGEST_EVERY) -> str | None:
    """The drift reason for this device's stated holding, or None (and remember it)."""
    holding = session.get(DeviceHolding, device_id)
    if holding is None:
        holding = DeviceHolding(device_id=device_id, verified_cursor=0, drifts=0)
        session.add(holding)
    cursor = max(0, int(verify.cursor))
    if cursor < (holding.verified_cursor or 0):
        return _drifted(holding, f"cursor_regression:{cursor}<{holding.verified_cursor}", now)
    holding.verified_cursor = cursor
    due = holding.checked_at is None or now - holding.checked_at >= digest_every
    if verify.digest is None or not due:
        return None
    high = current_rev(session)
    if cursor != high:
        return None  # not caught up: the server cannot tell what the device should hold
    mine = scope_digest(session, scope, high)
    if current_rev(session) != high:
        return None  # a commit landed while reading: inconclusive, compare next time
    holding.checked_at = now
    diff = differences(verify.digest, mine)
    if diff:
        return _drifted(holding, "digest_mismatch:" + ",".join(diff)[:180], now)
    return None


def scope_digest(session: Session, scope: Scope, high: int) -> dict[str, tuple[int, str]]:
    """Per entity: (count, xor-hash) of `id:rev` of every row in `scope` up to rev `high` —
    what a caught-up device of that scope holds."""
    out: dict[str, tuple[int, str]] = {}
    if scope.empty:
        return out
    for name, entity in ENTITIES.items():
        table = entity.__table__
        pairs = session.execute(select(table.c.id, table.c.rev).where(
            table.c.rev > 0, table.c.rev <= high, scope.condition(entity)))
        count, value = fold((r[0], r[1]) for r in pairs)
        if count:
            out[name] = (count, value)
    return out


def _drifted(holding: DeviceHolding, reason: str, now: dt.datetime) -> str:
    # The stated cursor stays: a copy that is not rebuilt keeps being told; the rebuilt copy
    # states the server's current rev. Its digest is compared again at once.
    holding.checked_at = None
    holding.drifts = (holding.drifts or 0) + 1
    holding.last_drift = reason[:200]
    holding.last_drift_at = now
    return reason


__all__ = ["check_drift", "scope_digest", "DIGEST_EVERY"]
