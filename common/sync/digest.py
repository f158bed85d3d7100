"""A cheap, order-independent digest of what a replica holds, to detect drift (docs/SYNC.md).

Per entity: the number of rows and the XOR of a 64-bit hash of every row's `id:rev`. XOR makes
the digest independent of row order and lets both sides fold rows in one pass without sorting.
The device sends its digest with its committed cursor (`Verify`); the server, whose rows at that
cursor are the truth, computes the same digest over the device's scope and compares.
Pure: callers pass the (id, rev) pairs.
"""
from __future__ import annotations

import hashlib
from typing import Iterable

from pydantic import BaseModel


class Verify(BaseModel):
    """What the device states it holds: its committed pull cursor and, optionally, a digest per
    entity `{entity: [count, xor-hash as 16 hex digits]}`."""

    cursor: int = 0
    digest: dict[str, tuple[int, str]] | None = None


def record_hash(record_id: str, rev: int) -> int:
    return int.from_bytes(hashlib.blake2b(f"{record_id}:{int(rev)}".encode(),
                                          digest_size=8).digest(), "big")


def fold(pairs: Iterable[tuple[str, int]]) -> tuple[int, str]:
    """(count, xor-hash) of (id, rev) pairs."""
    count, acc = 0, 0
    for record_id, rev in pairs:
        count += 1
        acc ^= record_hash(record_id, rev)
    return count, f"{acc:016x}"


ALL = "*"
"""The key of a digest folded over every entity (`combined`)."""


def combined(digest: dict[str, tuple[int, str]]) -> dict[str, tuple[int, str]]:
    """One (count, xor-hash) over every entity: what a device sends with a sync (a few bytes
    instead of one pair per entity); a mismatch then names no entity, and the copy is rebuilt
    whole either way."""
    count, acc = 0, 0
    for name, (n, value) in digest.items():
        if name != ALL:
            count, acc = count + int(n), acc ^ int(value, 16)
    return {ALL: (count, f"{acc:016x}")}


def differences(mine: dict[str, tuple[int, str]],
                theirs: dict[str, tuple[int, str]]) -> list[str]:
    """Entities whose digest differs (an entity missing on one side counts as empty); when
    either side is `combined`, the folded digests are compared (`*` when they differ)."""
    if ALL in mine or ALL in theirs:
        a = mine if ALL in mine else combined(mine)
        b = theirs if ALL in theirs else combined(theirs)
        return [] if tuple(a[ALL]) == tuple(b[ALL]) else [ALL]
    empty = (0, f"{0:016x}")
    return sorted(name for name in set(mine) | set(theirs)
                  if tuple(mine.get(name, empty)) != tuple(theirs.get(name, empty)))


__all__ = ["Verify", "record_hash", "fold", "differences", "combined", "ALL"]
