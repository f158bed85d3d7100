"""Form guides and examples (config centre, contract item 41) over HTTP: a county admin writes
them per field; a too-long one is refused beside its field with nothing written; the console's
registry form shows them under the field; they are synced reference data every device pulls."""
from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from common.schema import FieldGuide
from sync_server.db.tables import OpLog
from sync_server.services.scope import Scope
from sync_server.services.sync_pull import pull_batch
from tests.web.conftest import csrf_of, sign_in


def _browser(web, username="admin") -> TestClient:
    client = TestClient(web.app)
    assert sign_in(client, username).status_code == 303
    return client


def _save(client, table="people", **fields):
    token = csrf_of(client.get(f"/admin/config/guides?table={table}").text)
    return client.post("/admin/config/guides", data={"csrf_token": token, "table": table,
                                                     **fields}, follow_redirects=False)


def test_a_guide_written_in_the_config_centre_shows_under_the_registry_field(web):
    admin = _browser(web)
    r = _save(admin, **{"id_number.guide": "填写18位身份证号，末位X大写",
                        "id_number.example": "650422199001011234", "name.guide": "与户口簿一致"})
    assert r.status_code == 303
    page = admin.get("/admin/config/guides?table=people").text
    assert 'value="填写18位身份证号，末位X大写"' in page
    form = admin.get("/admin/registry/people/new").text
    assert "填写18位身份证号，末位X大写　示例：650422199001011234" in form
    assert 'placeholder="例：650422199001011234"' in form and "与户口簿一致" in form
    with web.session() as s:
        log = s.scalar(select(OpLog).where(OpLog.entity == "field_guides"))
        assert log.details["table"] == "people"
        assert sorted(log.details["fields"]) == ["id_number", "name"]
    # Saving the same text again changes nothing and logs nothing.
    assert _save(admin, **{"id_number.guide": "填写18位身份证号，末位X大写",
                           "id_number.example": "650422199001011234",
                           "name.guide": "与户口簿一致"}).status_code == 303
    with web.session() as s:
        assert len(s.scalars(select(OpLog).where(OpLog.entity == "field_guides")).all()) == 1


def test_a_too_long_guide_is_refused_beside_its_field_and_nothing_is_written(web):
    admin = _browser(web)
    r = _save(admin, **{"name.guide": "好", "phone.example": "1" * 101})
    assert r.status_code == 422
    assert 'id="e-phone.example"' in r.text and "最多 100 个字符" in r.text
    assert 'value="好"' in r.text  # the typed values come back
    with web.session() as s:
        assert s.scalars(select(FieldGuide)).all() == []


def test_only_a_county_admin_writes_guides(web):
    office = _browser(web, "office1")
    assert office.get("/admin/config/guides").status_code == 403


def test_guides_are_synced_to_every_scope(web):
    _save(_browser(web), **{"name.guide": "与户口簿一致"})
    with web.session() as s:
        worker = web.tree.users["worker2"]
        worker = s.merge(worker)
        batch = pull_batch(s, Scope.of(s, worker), 0, 4_000_000)
    rows = batch.model_dump()
    assert "与户口簿一致" in str(rows)
