"""Dictionaries are data: everyone reads them, a county admin adds a tag that people can then
carry, and a deactivated code is no longer accepted."""
from __future__ import annotations

from tests.factories import make_person


def test_everyone_signed_in_reads_the_seeded_dictionaries(server):
    r = server.as_("worker1a").get("/api/dictionaries", params={"dict_code": "ethnicity"})
    assert r.status_code == 200
    assert [e["label"] for e in r.json()][:2] == ["汉族", "维吾尔族"]
    assert server.client.get("/api/dictionaries").status_code == 401


def test_a_new_tag_added_by_the_county_admin_can_be_given_to_people(server):
    admin = server.as_("admin")
    r = admin.post("/api/admin/dictionaries", json={"dict_code": "tag", "code": "grape_farmer",
                                                    "label": "葡萄种植户"})
    assert r.status_code == 201, r.text
    again = admin.post("/api/admin/dictionaries", json={"dict_code": "tag",
                                                        "code": "grape_farmer", "label": "x"})
    assert again.status_code == 422
    worker = server.as_("worker1a")
    person = worker.post("/api/people", json=make_person(server.tree.id("g1a"),
                                                         tags=["grape_farmer"]))
    assert person.status_code == 201 and person.json()["tags"] == ["grape_farmer"]
    assert server.as_("office1").post("/api/admin/dictionaries", json={
        "dict_code": "tag", "code": "y", "label": "y"}).status_code == 403


def test_a_deactivated_code_is_refused_on_new_records(server):
    admin = server.as_("admin")
    entry = next(e for e in admin.get("/api/dictionaries", params={"dict_code": "resident_type"})
                 .json() if e["code"] == "lodging")
    r = admin.patch(f"/api/admin/dictionaries/{entry['id']}", json={"active": False})
    assert r.status_code == 200 and r.json()["active"] is False
    refused = server.as_("worker1a").post("/api/people", json=make_person(
        server.tree.id("g1a"), resident_type="lodging"))
    assert refused.status_code == 422
    assert "寄住人口" not in [e["label"] for e in admin.get(
        "/api/dictionaries", params={"dict_code": "resident_type"}).json()]
