"""The scope's SQL condition and its Python check agree with the rule "a record is in scope when
its grid lies at or below the user's node", for any org tree."""
from __future__ import annotations

import os
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from common.schema import DictEntry, House, OrgNode, User
from sync_server.db.engine import make_engine
from sync_server.services.changes import apply_change
from sync_server.services.scope import Scope
from tests.conftest import NOW

LEVELS = ("county", "township", "village", "grid")


@pytest.fixture
def engine(db_url):
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


# A tree as a list of parent indexes: node i's parent is an earlier node (or the root, 0).
trees = st.lists(st.integers(min_value=0, max_value=30), min_size=1, max_size=12)


@settings(max_examples=400 if os.environ.get("SOAK") else 12, deadline=None,
          suppress_health_check=list(HealthCheck))
@given(parents=trees, data=st.data())
def test_the_sql_condition_and_the_python_check_select_exactly_the_records_below_the_node(
        engine, parents, data):
    tag = uuid.uuid4().hex[:8]  # examples share one database: keep each one's rows apart
    with Session(engine) as s:
        nodes: list[OrgNode] = []
        root_id = f"{tag}-0"
        nodes.append(apply_change(s, OrgNode, root_id, {
            "level": "county", "name": "root", "path": f"/{root_id}/"}, now=NOW))
        for i, p in enumerate(parents, start=1):
            parent = nodes[p % len(nodes)]
            nid = f"{tag}-{i}"
            depth = min(parent.path.count("/") - 1, 3)
            nodes.append(apply_change(s, OrgNode, nid, {
                "parent_id": parent.id, "level": LEVELS[depth], "name": nid,
                "path": f"{parent.path}{nid}/"}, now=NOW))
        houses = {}
        for node in nodes:
            house = apply_change(s, House, None, {"door_plate": node.id, "house_type": "bungalow",
                                                  "grid_id": node.id}, now=NOW)
            houses[house.id] = node
        orphan = apply_change(s, House, None, {"door_plate": "x", "house_type": "bungalow",
                                               "grid_id": f"{tag}-missing"}, now=NOW)
        user_node = data.draw(st.sampled_from(nodes))
        user = User(id=str(uuid.uuid4()), scope_node_id=user_node.id)
        scope = Scope.of(s, user)

        by_sql = set(s.scalars(select(House.id).where(
            scope.condition(House), House.id.in_([*houses, orphan.id]))))
        by_python = {hid for hid in [*houses, orphan.id]
                     if scope.contains(s, s.get(House, hid))}
        expected = {hid for hid, node in houses.items() if node.path.startswith(user_node.path)}
        assert by_sql == by_python == expected
        assert orphan.id not in by_sql

        nodes_by_sql = set(s.scalars(select(OrgNode.id).where(
            scope.condition(OrgNode), OrgNode.id.like(f"{tag}-%"))))
        assert nodes_by_sql == {n.id for n in nodes if n.path.startswith(user_node.path)}
        s.rollback()


def test_a_user_whose_node_is_missing_or_deleted_sees_nothing_but_reference_data(engine):
    with Session(engine) as s:
        ghost = Scope.of(s, User(id="u", scope_node_id="no-such-node"))
        assert ghost.empty
        assert s.scalars(select(House.id).where(ghost.condition(House))).all() == []
        assert s.scalars(select(DictEntry.id).where(ghost.condition(DictEntry))).all() == []
        node = apply_change(s, OrgNode, "gone", {"level": "county", "name": "x",
                                                 "path": "/gone/"}, now=NOW)
        apply_change(s, OrgNode, node.id, {}, now=NOW, deleted=True)
        assert Scope.of(s, User(id="u", scope_node_id="gone")).empty
        live = Scope.of(s, User(id="u", scope_node_id=node.id))
        assert live.empty
        s.rollback()


def test_reference_data_without_a_grid_is_visible_to_every_scope(engine):
    with Session(engine) as s:
        apply_change(s, OrgNode, "r", {"level": "county", "name": "x", "path": "/r/"}, now=NOW)
        scope = Scope.of(s, User(id="u", scope_node_id="r"))
        seeded = s.scalars(select(DictEntry.id).where(scope.condition(DictEntry))).all()
        assert len(seeded) > 100
        s.rollback()
