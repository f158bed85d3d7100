"""The config centre's form guides reach the desktop forms: a guide synced into the profile's
database shows under its field in the shared record form (also as the tooltip), its example as
the empty box's placeholder; a field without one shows nothing more."""
from __future__ import annotations

from PySide6.QtWidgets import QLabel, QLineEdit
from sqlalchemy.orm import Session

from common.schema import FieldGuide, Person
from common.schema.ledgers import guide_id
from desktop.ui.widgets.labels import labels_of
from desktop.ui.widgets.record_form import RecordForm
from tests.desktop.people_factories import NOW
from tests.desktop.ui.conftest import wait_idle


def _synced_guide(engine, field_key: str, guide: str, example: str) -> None:
    """A guide as a pull stores it (rev from the server)."""
    with Session(engine) as s:
        s.add(FieldGuide(id=guide_id("people", field_key), entity="people", field_key=field_key,
                         guide=guide, example=example, created_at=NOW, updated_at=NOW, rev=9,
                         field_clock={}, deleted=False))
        s.commit()


def test_a_synced_guide_shows_under_its_field_with_its_example(scope, ctx, qtbot):
    engine, _, _ = scope
    _synced_guide(engine, "id_number", "填写18位身份证号，末位X大写", "650422199001011234")
    labels = labels_of(ctx)
    wait_idle(qtbot, ctx)
    form = RecordForm(Person, ["name", "id_number"], labels)
    qtbot.addWidget(form)
    hint = form.findChild(QLabel, "guide_id_number")
    assert hint is not None
    assert hint.text() == "填写18位身份证号，末位X大写　示例：650422199001011234"
    editor = form.editors["id_number"]
    assert isinstance(editor, QLineEdit)
    assert editor.placeholderText() == "例：650422199001011234"
    assert "末位X大写" in editor.toolTip()
    assert form.findChild(QLabel, "guide_name") is None
    assert form.editors["name"].placeholderText() == ""


def test_a_guide_arriving_with_a_sync_reaches_forms_opened_after_it(scope, ctx, qtbot):
    engine, _, _ = scope
    labels = labels_of(ctx)
    wait_idle(qtbot, ctx)
    assert labels.guide(Person, "name") == ("", "")
    _synced_guide(engine, "name", "与户口簿一致", "")
    ctx.tasks.data_changed.emit("")  # what a finished sync announces
    wait_idle(qtbot, ctx)
    form = RecordForm(Person, ["name"], labels)
    qtbot.addWidget(form)
    assert form.findChild(QLabel, "guide_name").text() == "与户口簿一致"
