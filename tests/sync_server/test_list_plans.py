"""services/records.list_records reads a page either by grid or along the sort column's index;
both must give the same rows for every scope, filter, sort and page."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from common.schema import Person
from sync_server.services import records
from sync_server.services.records import RecordFilters, list_records
from sync_server.services.scope import Scope
from tests.factories import make_id_number, make_person

SURNAMES = "艾布陈丁古海"


def _seed(server, n=36):
    api = server.as_("admin")
    for i in range(n):
        grid = ("g1a", "g1b", "g2")[i % 3]
        r = api.post("/api/people", json=make_person(
            server.tree.id(grid), name=f"{SURNAMES[i % 6]}{i % 4}",
            id_number=make_id_number(f"19{50 + i % 40}0{1 + i % 9}1{i % 10}"),
            ethnicity=("01", "05")[i % 2], status=("normal", "moved_out")[i % 5 == 0]))
        assert r.status_code == 201, r.text


def test_both_ways_of_reading_a_page_agree(server, monkeypatch):
    _seed(server)
    users = {u: server.tree.users[u] for u in ("admin", "office1", "worker1a")}

    @settings(max_examples=60, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(user=st.sampled_from(sorted(users)), sort=st.sampled_from([None, "name", "birth_date"]),
           desc=st.booleans(), eth=st.sampled_from([None, "01", "05"]),
           limit=st.integers(1, 12), offset=st.integers(0, 40))
    def agree(user, sort, desc, eth, limit, offset):
        query = RecordFilters(filters={"ethnicity": eth}, sort=sort, descending=desc,
                              limit=limit, offset=offset)
        with server.session() as s:
            scope = Scope.of(s, users[user])
            pages = []
            for rows in (0, 10**9):  # never / always along the index
                monkeypatch.setattr(records, "_read_in_index_order",
                                    lambda *a, _r=rows: _r > 0)
                got, total = list_records(s, scope, Person, query)
                pages.append(([p.id for p in got], total))
        assert pages[0] == pages[1]

    agree()
