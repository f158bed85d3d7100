"""The people list fetches lazily: a page at first, more as the view scrolls to the end."""
import datetime as dt

from sqlalchemy.orm import Session

from desktop.services.search import PeopleQuery
from desktop.ui.widgets.people_model import PAGE
from desktop.ui.widgets.people_table import PeopleTableView
from tests.desktop.people_factories import make_person
from tests.desktop.ui.conftest import wait_idle


def test_the_list_starts_with_one_page_and_grows_as_it_scrolls(ctx, scope, qtbot):
    engine, org, _ = scope
    with Session(engine) as s:
        for i in range(2 * PAGE + 50):
            make_person(s, org["grid"].id, name=f"测试{i:04d}",
                        birth=dt.date(1950 + i % 50, 1 + i % 12, 1 + i % 28), female=bool(i % 2))
        s.commit()
    view = PeopleTableView(ctx)
    qtbot.addWidget(view)
    view.resize(800, 400)
    view.show()
    view.people.set_query(PeopleQuery(text="测试"))
    wait_idle(qtbot, ctx)
    assert view.people.rowCount() == PAGE
    for expected in (2 * PAGE, 2 * PAGE + 50):
        view.scrollToBottom()
        qtbot.wait_until(lambda e=expected: view.people.rowCount() == e, timeout=5000)
        wait_idle(qtbot, ctx)
    assert not view.people.canFetchMore()
    names = [view.people.index(r, 0).data() for r in range(view.people.rowCount())]
    assert names == sorted(names) and len(set(names)) == 2 * PAGE + 50


def test_a_new_query_drops_the_rows_of_the_old_one(ctx, qtbot):
    view = PeopleTableView(ctx)
    qtbot.addWidget(view)
    view.people.set_query(PeopleQuery())
    view.people.set_query(PeopleQuery(text="王强"))  # before the first answer arrives
    wait_idle(qtbot, ctx)
    assert [view.people.index(r, 0).data() for r in range(view.people.rowCount())] == ["王强"]
