"""接诉即办 rules shared by the desktop client and the server: what each role may do to an
event, which actions name a person, and how each action changes the event. Pure module."""
from __future__ import annotations

import datetime as dt
from typing import Any

ROLE_ACTIONS: dict[str, tuple[str, ...]] = {
    "grid_worker": ("handle", "transfer", "escalate", "close", "comment"),
    "township_office": ("handle", "assign", "transfer", "escalate", "supervise", "postpone",
                        "close", "comment"),
    "county_admin": ("handle", "assign", "transfer", "escalate", "supervise", "postpone",
                     "close", "comment"),
}
"""What each role may do. A grid worker handles what reaches them, hands it on or escalates it;
assigning, supervising and extending a deadline are the office's decisions."""

NEEDS_TARGET = {"assign", "transfer"}
NEEDS_NOTE = {"postpone", "close"}
"""A postponement needs its reason; closing needs the answer the reporter reads."""


def allowed_actions(role: str, status: str, supervised: bool) -> list[str]:
    """The actions `role` may take on an event now (none once it is closed)."""
    if status == "closed":
        return []
    actions = list(ROLE_ACTIONS.get(role, ("comment",)))
    if supervised and "supervise" in actions:
        actions.remove("supervise")
    return actions


def raised(priority: str) -> str:
    order = ["normal", "urgent", "critical"]
    i = order.index(priority) if priority in order else 0
    return order[min(i + 1, len(order) - 1)]


def effect(action: str, *, status: str, assignee_id: str | None, priority: str,
           due_at: dt.datetime | None, actor_id: str, now: dt.datetime,
           target_id: str | None = None, postpone_days: int = 0,
           satisfaction: str | None = None) -> dict[str, Any]:
    """The event's fields an action changes."""
    if action == "handle":
        return {"status": "handling", **({} if assignee_id else {"assignee_id": actor_id})}
    if action in ("assign", "transfer"):
        return {"status": "assigned", "assignee_id": target_id}
    if action == "escalate":  # back to the office's queue, nobody holds it
        return {"status": "pending", "assignee_id": None, "priority": raised(priority)}
    if action == "supervise":
        return {"supervised": True}
    if action == "postpone":
        return {"due_at": (due_at or now) + dt.timedelta(days=postpone_days)}
    if action == "close":
        return {"status": "closed", "closed_at": now,
                **({"satisfaction": satisfaction} if satisfaction else {})}
    return {}
