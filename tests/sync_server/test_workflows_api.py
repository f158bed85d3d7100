"""The workflow JSON API (/api/workflows): lookup, claim, steps and queue answer as the web pages
and the sync push do (one service), with 4xx and Chinese messages for bad input."""
from __future__ import annotations

from common.schema import Person
from sync_server.services.changes import apply_change
from tests.conftest import NOW
from tests.factories import make_id_number, make_person


def _person(server) -> str:
    number = make_id_number("19750101")
    with server.session() as s:
        apply_change(s, Person, None, make_person(server.tree.id("g1a"), id_number=number,
                                                  name="赵大海"), now=NOW)
        s.commit()
    return number


def test_lookup_claim_queue_and_decision_over_the_api(server):
    number = _person(server)
    worker2 = server.as_("worker2")
    found = worker2.post("/api/workflows/lookup", json={"id_number": number})
    assert found.json() == {"found": True, "grid_name": "团结社区第一网格", "masked_name": "赵**"}
    bad = worker2.post("/api/workflows/lookup", json={"id_number": number[:6]})
    assert bad.status_code == 422 and "应为 18 位" in bad.text
    filed = worker2.post("/api/workflows/claims", json={
        "id_number": number, "to_node_id": server.tree.id("g2"), "reason": "租住"})
    assert filed.status_code == 201 and filed.json()["state"] == "submitted"
    assert filed.json()["id_number"] != number  # masked
    rid = filed.json()["id"]
    own = worker2.post(f"/api/workflows/{rid}/steps", json={"state": "approved"})
    assert own.status_code == 403 and "申请人不能审核自己的申请" in own.text
    assert server.as_("worker1b").post(f"/api/workflows/{rid}/steps",
                                       json={"state": "approved"}).status_code == 404
    assert [r["id"] for r in server.as_("worker1a").get("/api/workflows/queue").json()] == [rid]
    done = server.as_("worker1a").post(f"/api/workflows/{rid}/steps",
                                       json={"state": "approved", "note": "同意"})
    assert done.status_code == 200 and done.json()["state"] == "approved"
    with server.session() as s:
        assert s.get(Person, s.query(Person.id).filter(Person.id_number == number)
                     .scalar()).grid_id == server.tree.id("g2")


def test_a_claim_into_another_township_is_refused_as_out_of_scope(server):
    number = _person(server)
    answer = server.as_("worker1b").post("/api/workflows/claims", json={
        "id_number": number, "to_node_id": server.tree.id("g2")})
    assert answer.status_code == 403 and "不在您的管辖范围内" in answer.text
