"""First start of a production server: the county's root org node and a county admin account,
so that the admin can sign in and build the rest of the org tree through the API."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from common.schema import OrgNode, User, new_id

from .changes import apply_change
from .users import create_user

COUNTY_NAME = "托克逊县"
COUNTY_CODE = "652123"


def county_root(session: Session, *, now: dt.datetime) -> OrgNode:
    """The root of the org tree, created (托克逊县, 652123) if the tree is empty."""
    root = session.scalar(select(OrgNode).where(OrgNode.parent_id.is_(None),
                                                OrgNode.deleted.is_(False))
                          .order_by(OrgNode.created_at).limit(1))
    if root is not None:
        return root
    node_id = new_id()
    return apply_change(session, OrgNode, node_id, {
        "parent_id": None, "level": "county", "name": COUNTY_NAME, "code": COUNTY_CODE,
        "path": f"/{node_id}/", "grid_id": None, "sort": 0}, now=now)


def create_county_admin(session: Session, *, username: str, password: str, display_name: str,
                        now: dt.datetime) -> User:
    """A county admin on the root node (creating the root if needed). Never commits."""
    root = county_root(session, now=now)
    return create_user(session, username=username, password=password,
                       display_name=display_name, role="county_admin", scope_node_id=root.id,
                       now=now)
