"""The console's home page lists what waits in the user's area: overdue and due-today events,
events not yet taken up, overdue and coming visit tasks; counted in the user's scope only."""
from __future__ import annotations

import datetime as dt
import re

from fastapi.testclient import TestClient

from common.schema import Event, OrgNode, VisitTask
from sync_server.services.changes import apply_change
from tests.conftest import NOW
from tests.web.conftest import sign_in


def _event(s, grid, status, due):  # noqa: ANN001
    apply_change(s, Event, None, {"title": "路灯不亮", "category": "infrastructure",
                                  "source": "grid", "status": status, "priority": "normal",
                                  "reported_at": NOW - dt.timedelta(days=3), "due_at": due,
                                  "grid_id": grid}, now=NOW)


def _todos(web, username: str) -> dict[str, int]:
    client = TestClient(web.app)
    sign_in(client, username)
    html = client.get("/admin/").text
    return {k: int(n) for k, n in re.findall(
        r'data-key="(\w+)">(?:<a [^>]*>)?[^<]*(?:</a>)? <strong>(\d+)</strong>', html)}


def test_the_home_page_counts_what_waits_in_the_users_area(web):
    g1a, g2 = web.tree.id("g1a"), web.tree.id("g2")
    with web.session() as s:
        _event(s, g1a, "pending", NOW - dt.timedelta(days=1))      # overdue, pending
        _event(s, g1a, "handling", NOW + dt.timedelta(hours=2))    # due today
        _event(s, g1a, "closed", NOW - dt.timedelta(days=5))       # done: not a to-do
        _event(s, g2, "assigned", NOW - dt.timedelta(hours=1))     # overdue, township 2
        apply_change(s, VisitTask, None, {"title": "看望独居老人", "due_date": NOW.date()
                                          - dt.timedelta(days=2), "status": "open",
                                          "kind": "person", "grid_id": g1a}, now=NOW)
        s.commit()
    assert _todos(web, "admin") == {"events_overdue": 2, "events_due_today": 1,
                                    "events_pending": 1, "tasks_overdue": 1}
    assert _todos(web, "office1") == {"events_overdue": 1, "events_due_today": 1,
                                      "events_pending": 1, "tasks_overdue": 1}
    assert _todos(web, "worker2") == {"events_overdue": 1}


def test_an_area_with_nothing_waiting_says_so(web):
    client = TestClient(web.app)
    sign_in(client, "office1")
    assert "辖区内没有待办事项" in client.get("/admin/").text


def test_a_submitted_import_waits_on_the_home_page_of_those_who_may_review_it(web):
    """A batch a grid worker submitted is a work item of the township above and the county,
    never of the uploader."""
    from sync_server.db.import_tables import ImportBatch
    with web.session() as s:
        grid = s.get(OrgNode, web.tree.id("g1a"))
        s.add(ImportBatch(id="b" * 32, filename="人口.xlsx", uploader_id=web.tree.users["worker1a"].id,
                          uploader_name="网格员", node_id=grid.id, node_path=grid.path,
                          state="submitted", columns=[], counts={"new": 3}, created_at=NOW,
                          submitted_at=NOW))
        s.commit()
    assert _todos(web, "office1") == {"review_imports": 1}
    assert _todos(web, "admin") == {"review_imports": 1}
    assert "review_imports" not in _todos(web, "worker1a")
    assert "review_imports" not in _todos(web, "worker2")


def test_the_home_page_lists_the_users_pages_under_their_menu_groups(web):
    client = TestClient(web.app)
    sign_in(client, "office1")
    html = client.get("/admin/").text
    entries = html[html.index('<dl class="entries">'):]
    assert "<dt>人口与房屋</dt>" in entries
    assert '<a href="/admin/people">人口</a>' in entries
    assert "/admin/roles" not in entries  # a page the township role lacks
