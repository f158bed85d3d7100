"""The fields the server's config centre hides from a role (hidden_fields, kept in the profile)
are left out of the desktop's declaration-built forms and lists; what the role cannot see is
kept as it was when it saves."""
from __future__ import annotations

import dataclasses

from sqlalchemy import select
from sqlalchemy.orm import Session

from common.schema import Organisation, Person
from common.schema.fields import form_fields
from desktop.ui.context import hidden_fields_of
from desktop.ui.people.organisations import OrganisationsPage
from desktop.ui.people.page import PeoplePage
from desktop.ui.people.person_dialog import PersonDialog
from desktop.ui.widgets.people_model import COLUMNS
from tests.desktop.ui.conftest import wait_idle

HIDDEN = {"people": ["phone", "religion"], "organisations": ["legal_person"]}


def _hide(ctx, hidden=HIDDEN):
    ctx.user = dataclasses.replace(ctx.user, hidden_fields=hidden_fields_of(hidden))


def test_the_person_form_leaves_out_hidden_fields_and_keeps_their_values(ctx, scope, qtbot):
    engine, *_ = scope
    _hide(ctx)
    with Session(engine) as s:
        pid = s.execute(select(Person.id).where(Person.name == "张三")).scalar_one()
    dialog = PersonDialog(ctx, pid)
    qtbot.addWidget(dialog)
    wait_idle(qtbot, ctx)
    assert "phone" not in dialog.form.editors and "religion" not in dialog.form.editors
    assert set(dialog.form.editors) == set(form_fields(Person)) - {"phone", "religion"}
    assert dialog.findChild(type(dialog.form.editors["name"]), "field_phone") is None
    dialog.form.editors["address"].setText("团结路 8 号")
    with qtbot.wait_signal(dialog.person_saved, timeout=5000):
        dialog.save()
    with Session(engine) as s:
        p = s.get(Person, pid)
        assert p.address == "团结路 8 号" and p.phone == "13899001122"


def test_the_people_list_hides_the_columns_and_shows_the_rest(ctx, qtbot):
    _hide(ctx)
    page = PeoplePage(ctx)
    qtbot.addWidget(page)
    page.refresh()
    wait_idle(qtbot, ctx)
    table = page.table
    shown = {c for i, c in enumerate(COLUMNS) if not table.isColumnHidden(i)}
    assert "phone" not in shown and "religion" not in shown
    assert {"name", "id_number", "address"} <= shown


def test_without_word_from_the_server_every_field_shows(ctx, qtbot):
    dialog = PersonDialog(ctx, None)
    qtbot.addWidget(dialog)
    assert set(dialog.form.editors) == set(form_fields(Person))


def test_the_organisations_list_and_form_leave_out_a_hidden_field(ctx, scope, qtbot):
    engine, *_ = scope
    _hide(ctx)
    page = OrganisationsPage(ctx)
    qtbot.addWidget(page)
    page.refresh()
    wait_idle(qtbot, ctx)
    headers = [page.list.horizontalHeaderItem(i).text() for i in range(page.list.columnCount())]
    assert "法定代表人" not in headers and "单位名称" in " ".join(headers)
    assert "legal_person" not in page.form.editors
    page.new()
    page.form.editors["name"].setText("托克逊县某合作社")
    page.save()
    wait_idle(qtbot, ctx)
    with Session(engine) as s:
        assert s.execute(select(Organisation.name)).scalar_one() == "托克逊县某合作社"


def test_the_profile_keeps_only_well_formed_sets():
    assert hidden_fields_of(None) == {}
    assert hidden_fields_of({"people": ["phone"], "bad": "phone"}) == {
        "people": frozenset({"phone"})}


def test_the_search_export_leaves_out_the_hidden_columns(ctx, qtbot, tmp_path):
    from openpyxl import load_workbook

    from desktop.services.saved_searches import EXPORT_FIELDS
    from desktop.ui.search.page import SearchPage
    _hide(ctx)
    page = SearchPage(ctx)
    qtbot.addWidget(page)
    page.refresh()
    wait_idle(qtbot, ctx)
    out = tmp_path / "人口.xlsx"
    page.export_to(str(out))
    wait_idle(qtbot, ctx)
    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    assert "联系电话" not in rows[0] and "宗教信仰" not in rows[0]
    assert {"姓名", "公民身份号码", "标签"} <= set(rows[0]) and len(rows) == 6
    assert len(rows[0]) == len(EXPORT_FIELDS) - 2 + 1  # the tags column comes last
