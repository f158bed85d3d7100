"""Saved people-list searches on the server (services/saved_searches.py) and a data collection
taking one as its population: each grid's share is the people of that search within the grid,
always within the definer's scope."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from common.errors import DomainError
from common.schema import CollectionTask, Person, PersonTag, User
from sync_server.services import collections, saved_searches
from sync_server.services.changes import apply_change
from sync_server.services.scope import Scope
from tests.conftest import NOW
from tests.factories import make_id_number, make_person

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
def people(server):
    """Uygur people (民族 05) with the 低保 tag in g1a (two) and g1b (one), a Han person with it
    in g1a, and a Uygur person with it in g2 (another township)."""
    t = server.tree
    ids = {}
    with server.session() as s:
        for name, grid, nation in (("甲", "g1a", "05"), ("乙", "g1a", "05"),
                                   ("丙", "g1b", "05"), ("丁", "g1a", "01"), ("戊", "g2", "05")):
            p = apply_change(s, Person, None, make_person(t.id(grid), name=name,
                                                          ethnicity=nation,
                                                          id_number=make_id_number()), now=NOW)
            apply_change(s, PersonTag, None, {"person_id": p.id, "tag_code": "dibao",
                                              "grid_id": t.id(grid)}, now=NOW)
            ids[name] = p.id
        s.commit()
    server.ids = ids
    return server


def _user(s, server, name):
    return s.get(User, server.tree.users[name].id)


def test_a_collection_takes_a_saved_search_as_its_population_by_grid(people):
    with people.session() as s:
        office = _user(s, people, "office1")
        scope = Scope.of(s, office)
        saved = saved_searches.save_search(s, scope, office, " 低保维吾尔族 ",
                                           {"ethnicity": "05", "tag": "dibao", "nonsense": "x"},
                                           None, now=NOW)
        assert saved.name == "低保维吾尔族" and saved.query == {
            "q": "", "filters": {"ethnicity": "05", "tag": "dibao"}}  # unknown keys are not kept
        row, made = collections.create_collection(s, scope, office, {
            "title": "低保复核", "fields": ["phone"], "frequency": "once",
            "due_date": (NOW.date() + dt.timedelta(days=10)).isoformat(),
            "search_id": saved.id}, now=NOW)
        s.commit()
        assert made == 3
        tasks = s.scalars(select(CollectionTask).where(
            CollectionTask.collection_id == row.id)).all()
        # the Uygur people with the tag in the township's grids; never 丁, never g2
        assert sorted(t.person_id for t in tasks) == sorted(
            people.ids[n] for n in ("甲", "乙", "丙"))
        assert {t.grid_id for t in tasks} == {people.tree.id("g1a"), people.tree.id("g1b")}
        assert row.filters["search_name"] == "低保维吾尔族"


def test_a_search_is_named_and_someone_elses_cannot_be_used(people):
    with people.session() as s:
        office = _user(s, people, "office1")
        scope = Scope.of(s, office)
        with pytest.raises(DomainError) as err:
            saved_searches.save_search(s, scope, office, "  ", {}, None, now=NOW)
        assert "检索名称" in err.value.errors[0].message()
        with pytest.raises(DomainError) as err:
            saved_searches.save_search(s, scope, office, "长" * 41, {}, None, now=NOW)
        assert "最多 40 个字符" in err.value.errors[0].message()
        admin = _user(s, people, "admin")
        theirs = saved_searches.save_search(s, Scope.of(s, admin), admin, "全县低保",
                                            {"tag": "dibao"}, None, now=NOW)
        # the same name again replaces the user's own search
        again = saved_searches.save_search(s, Scope.of(s, admin), admin, "全县低保",
                                           {"tag": "dibao", "ethnicity": "05"}, None, now=NOW)
        assert again.id == theirs.id and again.query["filters"]["ethnicity"] == "05"
        with pytest.raises(DomainError) as err:
            collections.create_collection(s, scope, office, {
                "title": "借用", "fields": ["phone"], "frequency": "once",
                "due_date": (NOW.date() + dt.timedelta(days=3)).isoformat(),
                "search_id": theirs.id}, now=NOW)
        assert err.value.errors[0].field == "search_id"
        s.rollback()
