"""The field-level merge rule, as a pure function both sides (and the tests) share.

One change carries new values for some fields of one record, the change's clock stamp, and
`base`: the field stamps the device held when the user made the edit. For each field:

- the device had seen the field's current value (its base stamp equals the stored stamp, or the
  field was never written): no conflict, the change applies;
- otherwise the edits were concurrent: the higher stamp wins (hybrid logical clock, node id as
  tie-break, so every replica picks the same winner), and unless both wrote the same value the
  losing value is kept as a conflict for people to resolve.

`deleted` is a field like any other (a tombstone is `deleted=True` with its own stamp). An edit to
other fields never touches it, so a delete is sticky against concurrent edits: the edits are
applied underneath the tombstone, and an edit made without having seen the delete is reported as
a conflict on `deleted` (loser: "not deleted") so someone can restore the record ("keep mine").
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class FieldConflict:
    """Two concurrent values for one field: who won and what lost."""

    field: str
    winner_value: Any
    winner_clock: str
    loser_value: Any
    loser_clock: str
    incoming_lost: bool  # True: the change being merged lost; False: the stored value lost


@dataclass
class MergeResult:
    """What to write: `apply` maps field -> (value, stamp); `conflicts` lists the losers."""

    apply: dict[str, tuple[Any, str]] = field(default_factory=dict)
    conflicts: list[FieldConflict] = field(default_factory=list)

    @property
    def incoming_lost_any(self) -> bool:
        return any(c.incoming_lost for c in self.conflicts)


def merge_change(current: dict[str, Any], clocks: dict[str, str], values: dict[str, Any],
                 clock: str, base: dict[str, str]) -> MergeResult:
    """Merge one change (`values` at stamp `clock`, made against `base`) into a stored record
    whose field values are `current` and field stamps `clocks`."""
    out = MergeResult()
    for name, value in values.items():
        stored = clocks.get(name)
        if stored is None or stored == base.get(name) or stored == clock:
            # Causally after the stored value (or a replay of it). A clamped or slow clock may
            # stamp it lower, yet it is the newer edit: give it a stamp just above.
            fresh = clock if stored is None or clock >= stored else _after(stored, clock)
            out.apply[name] = (value, fresh)
            continue
        old = current.get(name)
        if clock > stored:
            out.apply[name] = (value, clock)
            if old != value:
                out.conflicts.append(FieldConflict(name, value, clock, old, stored, False))
        elif old != value:
            out.conflicts.append(FieldConflict(name, old, stored, value, clock, True))
    if "deleted" not in values and current.get("deleted") and \
            clocks.get("deleted") != base.get("deleted") and values:
        out.conflicts.append(FieldConflict("deleted", True, clocks.get("deleted", ""), False,
                                           clock, True))
    return out


def _after(stored: str, clock: str) -> str:
    """A stamp ordered just after `stored`, keeping the node of `clock`."""
    from .hlc import parse, stamp, tick
    ms, counter, _ = parse(stored)
    return tick(stamp(ms, counter, ""), 0, parse(clock)[2])


__all__ = ["FieldConflict", "MergeResult", "merge_change"]
