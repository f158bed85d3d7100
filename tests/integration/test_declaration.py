"""The declaration drives every place a field appears: a test walks every declared field of every
entity through the places its metadata names (edit form, search facet or free text, list and
export column, REST list filter, the assistant's catalogue, masking on both sides) and fails when
one is missing, or when an entity declares a place nothing builds from its declaration. Then
宗教信仰, added as schema + dictionary + migration only, is followed through each of them."""
from __future__ import annotations

import functools

import openpyxl
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from common.dictionaries import DEFAULTS
from common.masking import mask_field as common_mask
from common.schema import (ENTITIES, Event, Household, Organisation, Person, PersonMove, User,
                           WorkRequest)
from common.schema.fields import specs
from common.sheets import catalogue
from desktop.assistant import records as assistant_records
from desktop.assistant.population import Conditions
from desktop.assistant.service import AssistantService
from desktop.services import people
from desktop.services.people_index import LOW, PeopleIndex
from desktop.services.saved_searches import EXPORT_FIELDS, export_people
from desktop.services.search import PeopleQuery, _text_condition, count_people, search_people
from desktop.storage.local_log import OperationLog
from desktop.services.organisations import LIST_FIELDS as ORGANISATION_LIST
from desktop.ui.events.dialogs import EventDialog
from desktop.ui.people.households import FORM_FIELDS as HOUSEHOLD_FORM
from desktop.ui.people.organisations import FORM_FIELDS as ORGANISATION_FORM
from desktop.ui.people.person_dialog import FIELDS as PERSON_FORM
from desktop.ui.search.page import FACETS as SEARCH_PAGE_FACETS
from desktop.ui.widgets.people_model import COLUMNS as PEOPLE_LIST
from sync_server.api.routes.records import routers
from sync_server.services.masking import mask_field as server_mask
from sync_server.services.records import SEARCH_COLUMNS
from sync_server.web.lists import ListSpec
from tests.desktop.assistant.builders import sheet_with_title
from tests.desktop.people_factories import (NOW, TODAY, make_database, make_org,
                                            make_person)



def _rest_list_parameters() -> dict[type, set[str]]:
    """The query parameters each REST list (GET /api/<records>) really accepts, read from the
    OpenAPI document of the server's record routers."""
    app = FastAPI()
    for router in routers():
        app.include_router(router)
    out: dict[type, set[str]] = {}
    for path, operations in app.openapi()["paths"].items():
        parts = path.strip("/").split("/")
        if len(parts) == 2 and "get" in operations:
            entity = ENTITIES[parts[1].replace("-", "_")]
            out[entity] = {p["name"] for p in operations["get"].get("parameters", [])}
    return out


REST_FILTERS = _rest_list_parameters()
# Where each entity's places live. An entity declaring a place that has no entry here fails:
# the declaration promised a form (or a list, a facet…) that nothing builds from it.
FORMS = {Person: PERSON_FORM, Household: HOUSEHOLD_FORM, Organisation: ORGANISATION_FORM,
         Event: EventDialog}
FACETS = {Person: ({f.facet for f in SEARCH_PAGE_FACETS} | {"sex"}, set(LOW),
                   REST_FILTERS[Person])}
USERS_PAGE = ListSpec.of(User)  # the web console's accounts list (sync_server/web/users.py)
LISTS = {Person: (PEOPLE_LIST, EXPORT_FIELDS), Organisation: (ORGANISATION_LIST,),
         User: ({c.key for c in USERS_PAGE.columns},),
         # the web console's request and migration lists (sync_server/web/workflows.py)
         WorkRequest: ({c.key for c in ListSpec.of(WorkRequest).columns},),
         PersonMove: ({c.key for c in ListSpec.of(PersonMove).columns},)}
ASSISTANT = {Person: (catalogue.BY_KEY, assistant_records._PERSON_COLS)}
TEXT_SEARCH = {Person: lambda: str(_text_condition("123", False)),
               User: lambda: " ".join(f"users.{c}" for c in SEARCH_COLUMNS["users"])}


@functools.cache
def dialog_fields(dialog_class: type) -> frozenset[str]:
    """The fields a dialog really edits: its widgets named field_<key>."""
    from PySide6.QtWidgets import QApplication, QWidget

    from desktop.tasks import TaskManager
    from desktop.ui.context import AppContext, CurrentUser
    QApplication.instance() or QApplication([])
    tasks = TaskManager()
    try:
        dialog = dialog_class(AppContext(tasks=tasks, user=CurrentUser("u1", "w", "网格员")))
        names = frozenset(w.objectName()[6:] for w in dialog.findChildren(QWidget)
                          if w.objectName().startswith("field_"))
        dialog.deleteLater()
        return names
    finally:
        tasks.shutdown()


FIELD_CASES = [(entity, spec) for entity in ENTITIES.values() for spec in specs(entity)]


@pytest.mark.parametrize("entity,spec", FIELD_CASES,
                         ids=[f"{e.__tablename__}.{s.key}" for e, s in FIELD_CASES])
def test_every_declared_field_appears_in_every_place_its_declaration_names(entity, spec):
    if spec.form:
        form = FORMS[entity]
        if isinstance(form, type):  # a dialog built here: it must have an editor for the field
            form = dialog_fields(form)
        assert spec.key in form, "missing from the edit form"
    if spec.search == "facet" and entity is not Person:  # a web console list's filter
        assert spec.key in {f.key for f in ListSpec.of(entity).facets}, "no list filter"
    elif spec.search == "facet":
        page, index, rest = FACETS[entity]
        assert spec.facet in PeopleQuery.__dataclass_fields__, "no search condition"
        assert spec.facet in page, "missing from the search page"
        assert spec.key in index, "missing from the people index"
        assert spec.key in rest, "missing from the REST filters"
        assert spec.dict_code in DEFAULTS, "a facet without a dictionary"
    if spec.search == "text":
        assert f"{entity.__tablename__}.{spec.key}" in TEXT_SEARCH[entity](), \
            "free text does not match it"
    if spec.filter:
        assert spec.key in REST_FILTERS[entity], "the REST list cannot be filtered by it"
    if spec.column:
        for place in LISTS[entity]:  # the list, and its export where there is one
            assert spec.key in place, "missing from a list or an export"
    if spec.assistant:
        fields, loaded = ASSISTANT[entity]
        assert fields[spec.key].label == spec.label, "the assistant names it differently"
        assert fields[spec.key].kind == spec.assistant
        assert spec.key in loaded, "the assistant never loads it (it would write blanks)"
    if spec.sensitive:
        value = "6521231980010100160"[:18] if spec.sensitive == "id_number" else "13812348000"
        server = server_mask(spec.key, value, entity)
        assert server != value, "shown in clear by the server"
        assert common_mask(entity, spec.key, value) == server, "the desktop masks differently"
        if entity is Person:
            assert people.masked(spec.key, value) == server, "the two sides mask differently"


@pytest.fixture
def engine(tmp_path):
    engine = make_database(tmp_path / "p.db")
    yield engine
    engine.dispose()


def test_religion_flows_through_form_search_lists_exports_assistant_and_masking(engine,
                                                                                 tmp_path):
    with Session(engine, expire_on_commit=False) as s:
        org = make_org(s)
        grid = org["grid"].id
        believer = make_person(s, grid, name="阿依古丽", female=True, religion="islam",
                               phone="13899001122")
        make_person(s, grid, name="张三", religion="none")
        make_person(s, grid, name="李四")
        s.commit()
    assert "religion" in PERSON_FORM  # the form edits it
    with Session(engine) as s:
        # search: a facet, with the bitmap index and through SQL alike
        q = PeopleQuery(religions=("islam",))
        assert count_people(s, q, today=TODAY) == 1
        index = PeopleIndex.build(s)
        assert index.count(q, today=TODAY, session=s) == 1
        # lists: the row carries it, the model masks it
        row = search_people(s, q, today=TODAY)[0]
        assert row.religion == "islam" and people.masked("religion", row.religion) == "***"
        # revealing it is logged
        assert people.reveal(s, believer.id, "religion", now=NOW, actor_id="u1") == "islam"
        log = s.scalars(select(OperationLog).where(OperationLog.action == "reveal")).one()
        assert log.detail == {"field": "religion"}
        # exports: masked unless asked, then by its label
        for masked, shown in ((True, "***"), (False, "伊斯兰教")):
            out = tmp_path / f"导出{masked}.xlsx"
            export_people(s, q, out, today=TODAY, now=NOW, actor_id="u1", masked=masked)
            rows = list(openpyxl.load_workbook(out).active.iter_rows(values_only=True))
            assert rows[1][rows[0].index("宗教信仰")] == shown
        s.commit()
    # the assistant: a 宗教信仰 header is filled by label, and is a fill condition
    service = AssistantService(sessionmaker(engine, expire_on_commit=False))
    src = sheet_with_title(tmp_path / "in.xlsx", ["序号", "姓名", "宗教信仰"], [])
    report = service.run("fill", service.inspect(src), tmp_path / "out.xlsx", today=TODAY,
                         now=NOW, conditions=Conditions(religions=["伊斯兰教"]))
    assert report.rows == 1
    ws = openpyxl.load_workbook(tmp_path / "out.xlsx").worksheets[0]
    values = [[c.value for c in r] for r in ws.iter_rows()]
    assert ["阿依古丽", "伊斯兰教"] in [v[1:3] for v in values]
