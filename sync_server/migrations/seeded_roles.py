"""What a migration teaches the seeded (built-in) roles of an existing database.

A revision names the permissions each built-in role gains, frozen in the revision itself (a
migration does not follow common/permissions as it changes later), and calls `grant` on upgrade
and `revoke` on downgrade. Roles an admin defined are left alone, and so is a seeded role that
no longer exists.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import sqlalchemy as sa
from alembic import op

ROLES = sa.table("roles", sa.column("code", sa.String), sa.column("permissions", sa.JSON),
                 sa.column("seeded", sa.Boolean))


def _change(gains: Mapping[str, Iterable[str]],
            change: Callable[[list[str], list[str]], list[str]]) -> None:
    conn = op.get_bind()
    for code, perms in gains.items():
        row = conn.execute(sa.select(ROLES.c.permissions).where(
            ROLES.c.code == code, ROLES.c.seeded.is_(True))).first()
        if row is None:
            continue
        have = list(row[0] or [])
        new = change(have, list(perms))
        if new != have:
            conn.execute(ROLES.update().where(ROLES.c.code == code).values(permissions=new))


def grant(gains: Mapping[str, Iterable[str]]) -> None:
    """Each seeded role in `gains` learns its permissions (those it lacks, in order)."""
    _change(gains, lambda have, new: have + [p for p in dict.fromkeys(new) if p not in have])


def revoke(gains: Mapping[str, Iterable[str]]) -> None:
    """Each seeded role in `gains` forgets its permissions (the downgrade of `grant`)."""
    _change(gains, lambda have, new: [p for p in have if p not in new])
