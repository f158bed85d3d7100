"""A hybrid logical clock: stamps that order edits like wall time but never run backwards.

A stamp is the string "MMMMMMMMMMMMM-CCCC-node": 13 decimal digits of (server-corrected) wall
milliseconds, 4 hex digits of a logical counter, and the id of the node that made it. Fixed
widths make string order equal clock order, so stamps compare with `<` and sort in SQL too; the
node breaks ties, so two different edits never carry equal stamps.

Pure: the caller passes `now_ms`; nothing here reads the clock.
"""
from __future__ import annotations

HLC_ZERO = "0000000000000-0000-"
_MAX_COUNTER = 0xFFFF


def stamp(ms: int, counter: int, node: str) -> str:
    """Encode one stamp."""
    if not 0 <= ms < 10**13 or not 0 <= counter <= _MAX_COUNTER:
        raise ValueError("stamp out of range")
    return f"{ms:013d}-{counter:04x}-{node}"


def parse(value: str) -> tuple[int, int, str]:
    """Decode a stamp into (ms, counter, node)."""
    ms, counter, node = value.split("-", 2)
    return int(ms), int(counter, 16), node


def node_of(value: str) -> str:
    return parse(value)[2]


def tick(last: str | None, now_ms: int, node: str) -> str:
    """The next stamp for a local event: after `last` (the highest stamp this node has made or
    seen) and no earlier than `now_ms`."""
    if not last:
        return stamp(now_ms, 0, node)
    l_ms, l_counter, _ = parse(last)
    if now_ms > l_ms:
        return stamp(now_ms, 0, node)
    if l_counter >= _MAX_COUNTER:
        return stamp(l_ms + 1, 0, node)
    return stamp(l_ms, l_counter + 1, node)


def observe(last: str | None, seen: str | None) -> str | None:
    """The receive rule: remember the higher of our last stamp and one seen from elsewhere, so
    that whatever this node writes next is ordered after everything it has seen."""
    if not seen:
        return last
    if not last:
        return seen
    return seen if seen[:18] > last[:18] else last


def clamp(value: str, now_ms: int, max_ahead_ms: int) -> str:
    """The server's guard against clocks that run ahead: a stamp more than `max_ahead_ms` past
    the server's time is brought back to the server's time (keeping its node), so a device whose
    clock is days ahead cannot win every conflict."""
    ms, counter, node = parse(value)
    if ms <= now_ms + max_ahead_ms:
        return value
    return stamp(now_ms, counter, node)


__all__ = ["HLC_ZERO", "stamp", "parse", "node_of", "tick", "observe", "clamp"]
