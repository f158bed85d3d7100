"""Test factories: valid ID numbers, person values, a small org tree with one account per role,
and a clock tests can move. Factories over fixture zoos: override what a test cares about."""
from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy.orm import Session

from common.schema import OrgNode, User
from common.validation import id_check_digit

PASSWORD = "Test@2026"
_seq = itertools.count(1)


def make_id_number(birth: str = "19800101", *, sex: str = "male", region: str = "652123",
                   seq: int | None = None) -> str:
    """A valid GB 11643 number; `seq` (default: a fresh one) keeps numbers distinct."""
    n = next(_seq) if seq is None else seq
    order = (n * 2 + (1 if sex == "male" else 0)) % 1000  # odd 17th digit: male
    first17 = f"{region}{birth}{order:03d}"
    return first17 + id_check_digit(first17)


def with_wrong_check_digit(number: str) -> str:
    wrong = "0" if number[-1] != "0" else "1"
    return number[:-1] + wrong


def make_person(grid_id: str, **overrides: Any) -> dict[str, Any]:
    """Create-values of a valid person in `grid_id` (JSON-ready)."""
    values: dict[str, Any] = {"id_number": make_id_number(), "name": "阿依古丽·买买提",
                              "grid_id": grid_id, "ethnicity": "05", "phone": "13812348000",
                              "resident_type": "registered", "status": "normal"}
    values.update(overrides)
    return values


class Clock:
    """A settable clock (naive UTC) for create_app(clock=...)."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += dt.timedelta(**kw)


@lru_cache(maxsize=1)
def password_hash() -> str:
    from sync_server.services.passwords import hash_password
    return hash_password(PASSWORD)  # once per process: Argon2id costs ~0.1 s


@dataclass
class Tree:
    """County → 2 townships → a village each → grids: t1 has grids g1a and g1b, t2 has g2.
    Users (username = key): admin, office1 (township t1), worker1a, worker1b, worker2."""

    nodes: dict[str, OrgNode] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)

    def id(self, key: str) -> str:
        return self.nodes[key].id


def build_tree(session: Session, now: dt.datetime) -> Tree:
    """Write the small tree and its accounts through the server's write path (caller commits)."""
    from sync_server.services.changes import apply_change
    from sync_server.services.users import create_user

    tree = Tree()

    def node(key: str, parent: str | None, level: str, name: str) -> None:
        node_id = f"node-{key}"
        path = (tree.nodes[parent].path if parent else "/") + node_id + "/"
        tree.nodes[key] = apply_change(session, OrgNode, node_id, {
            "parent_id": tree.nodes[parent].id if parent else None, "level": level,
            "name": name, "path": path, "grid_id": node_id if level == "grid" else None,
        }, now=now)

    node("county", None, "county", "托克逊县")
    node("t1", "county", "township", "托克逊镇")
    node("t2", "county", "township", "夏乡")
    node("v1", "t1", "village", "团结社区")
    node("v2", "t2", "village", "南湖村")
    node("g1a", "v1", "grid", "团结社区第一网格")
    node("g1b", "v1", "grid", "团结社区第二网格")
    node("g2", "v2", "grid", "南湖村第一网格")
    for username, role, scope in (("admin", "county_admin", "county"),
                                  ("office1", "township_office", "t1"),
                                  ("worker1a", "grid_worker", "g1a"),
                                  ("worker1b", "grid_worker", "g1b"),
                                  ("worker2", "grid_worker", "g2")):
        tree.users[username] = create_user(session, username=username, display_name=username,
                                           role=role, scope_node_id=tree.id(scope), now=now,
                                           password_hash=password_hash())
    return tree
