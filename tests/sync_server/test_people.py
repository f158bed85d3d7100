"""People through the REST API: validation refusals leave nothing behind, duplicates in scope are
refused naming the person, lists mask personal data, reveals are logged."""
from __future__ import annotations

from sqlalchemy import func, select

from common.schema import Person
from sync_server.db.tables import Counter, OpLog
from tests.factories import make_id_number, make_person, with_wrong_check_digit


def _approve_all(server, username) -> int:
    """The user approves every request waiting for them (over the API); how many."""
    api = server.as_(username)
    waiting = api.get("/api/workflows/queue").json()
    for r in waiting:
        assert api.post(f"/api/workflows/{r['id']}/steps",
                        json={"state": "approved"}).status_code == 200
    return len(waiting)


def counts(server):
    with server.session() as s:
        return (s.scalar(select(func.count()).select_from(Person)),
                s.scalar(select(func.count()).select_from(OpLog).where(OpLog.action != "login")),
                s.scalar(select(Counter.value).where(Counter.name == "rev")))


def test_a_worker_registers_a_person_and_sex_and_birth_date_come_from_the_id_number(server):
    api = server.as_("worker1a")
    number = make_id_number("19900215", sex="female")
    r = api.post("/api/people", json=make_person(server.tree.id("g1a"), id_number=number))
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["sex"] == "female" and body["birth_date"] == "1990-02-15"
    assert body["id_number"] == number[:6] + "********" + number[-4:]
    assert body["status"] == "normal" and body["deleted"] is False and body["rev"] > 0


def test_a_wrong_check_digit_is_refused_in_chinese_and_nothing_is_written(server):
    before = counts(server)
    bad = with_wrong_check_digit(make_id_number())
    r = server.as_("worker1a").post("/api/people",
                                    json=make_person(server.tree.id("g1a"), id_number=bad))
    assert r.status_code == 422
    body = r.json()
    assert body["errors"][0]["field"] == "id_number"
    assert "校验位错误" in body["message"]
    assert counts(server) == before  # no row, no op-log entry, no rev consumed


def test_an_impossible_birth_date_is_refused_and_nothing_is_written(server):
    before = counts(server)
    first17 = "652123" + "19870231" + "123"  # 31 February
    from common.validation import id_check_digit
    r = server.as_("worker1a").post("/api/people", json=make_person(
        server.tree.id("g1a"), id_number=first17 + id_check_digit(first17)))
    assert r.status_code == 422
    assert "1987-02-31 不是真实的日期" in r.json()["message"]
    r = server.as_("worker1a").post("/api/people", json=make_person(
        server.tree.id("g1a"), birth_date="1987-02-31"))
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "birth_date"
    assert "出生日期" in r.json()["message"]
    assert counts(server) == before


def test_an_id_number_already_registered_in_the_scope_is_refused_naming_the_person(server):
    api = server.as_("worker1a")
    number = make_id_number()
    first = api.post("/api/people", json=make_person(server.tree.id("g1a"), id_number=number,
                                                     name="买买提·艾力"))
    assert first.status_code == 201
    before = counts(server)
    r = api.post("/api/people", json=make_person(server.tree.id("g1a"), id_number=number.lower(),
                                                 name="另一个人"))
    assert r.status_code == 409
    assert r.json()["code"] == "id_duplicate"
    assert "买买提·艾力" in r.json()["message"] and "不能重复登记" in r.json()["message"]
    assert counts(server) == before


def test_an_id_number_of_a_deleted_person_may_be_registered_again(server):
    api = server.as_("worker1a")
    number = make_id_number()
    pid = api.post("/api/people", json=make_person(server.tree.id("g1a"),
                                                   id_number=number)).json()["id"]
    assert api.delete(f"/api/people/{pid}").status_code == 200
    r = api.post("/api/people", json=make_person(server.tree.id("g1a"), id_number=number))
    assert r.status_code == 201


def test_changing_an_id_number_to_a_neighbours_is_refused(server):
    api = server.as_("worker1a")
    a = make_id_number()
    api.post("/api/people", json=make_person(server.tree.id("g1a"), id_number=a, name="甲"))
    b = api.post("/api/people", json=make_person(server.tree.id("g1a"))).json()["id"]
    r = api.patch(f"/api/people/{b}", json={"id_number": a})
    assert r.status_code == 409 and "甲" in r.json()["message"]


def test_a_sex_that_contradicts_the_id_number_is_refused_on_update(server):
    api = server.as_("worker1a")
    pid = api.post("/api/people", json=make_person(
        server.tree.id("g1a"), id_number=make_id_number(sex="male"))).json()["id"]
    r = api.patch(f"/api/people/{pid}", json={"sex": "female"})
    assert r.status_code == 422
    assert "性别" in r.json()["message"]


def test_a_bad_phone_number_is_refused_with_its_label(server):
    r = server.as_("worker1a").post("/api/people", json=make_person(server.tree.id("g1a"),
                                                                    phone="12345"))
    assert r.status_code == 422 and "联系电话" in r.json()["message"]


def test_lists_mask_id_numbers_and_phones_and_a_reveal_is_logged(server):
    api = server.as_("worker1a")
    number = make_id_number()
    pid = api.post("/api/people", json=make_person(server.tree.id("g1a"), id_number=number,
                                                   phone="13812348000")).json()["id"]
    item = api.get("/api/people").json()["items"][0]
    assert item["id_number"] == number[:6] + "********" + number[-4:]
    assert item["phone"] == "138****8000"
    r = api.get(f"/api/people/{pid}/id-number")
    assert r.status_code == 200 and r.json()["id_number"] == number
    with server.session() as s:
        log = s.scalars(select(OpLog).where(OpLog.action == "reveal_id_number")).all()
    assert [(e.username, e.record_id) for e in log] == [("worker1a", pid)]


def test_every_write_is_in_the_operation_log(server):
    api = server.as_("worker1a")
    pid = api.post("/api/people", json=make_person(server.tree.id("g1a"))).json()["id"]
    api.patch(f"/api/people/{pid}", json={"name": "新名字"})
    api.delete(f"/api/people/{pid}")
    with server.session() as s:
        log = s.execute(select(OpLog.action, OpLog.entity, OpLog.record_id, OpLog.username)
                        .where(OpLog.action != "login").order_by(OpLog.id)).all()
    assert [tuple(r) for r in log] == [("create", "people", pid, "worker1a"),
                                       ("update", "people", pid, "worker1a"),
                                       ("delete", "people", pid, "worker1a")]


def test_people_are_listed_by_name_fragment_status_type_and_tag(server):
    api = server.as_("worker1a")
    g = server.tree.id("g1a")
    api.post("/api/people", json=make_person(g, name="艾力·买买提"))
    api.post("/api/people", json=make_person(g, name="王建国", resident_type="floating"))
    api.post("/api/people", json=make_person(g, name="王秀英", status="deceased"))
    names = lambda **q: [p["name"] for p in api.get("/api/people", params=q).json()["items"]]  # noqa: E731
    assert names(q="王") == ["王建国", "王秀英"]
    assert names(resident_type="floating") == ["王建国"]
    assert names(status="deceased") == ["王秀英"]
    assert names(q="%") == []  # a wildcard typed by a user is a plain character
    page = api.get("/api/people", params={"limit": 2, "offset": 1}).json()
    assert page["total"] == 3 and len(page["items"]) == 2
    from common.schema import PersonTag
    from sync_server.services.changes import apply_change
    pid = api.get("/api/people", params={"q": "艾力"}).json()["items"][0]["id"]
    with server.session() as s:
        apply_change(s, PersonTag, None, {"person_id": pid, "tag_code": "dibao", "grid_id": g},
                     now=server.clock())
        s.commit()
    tagged = api.get("/api/people", params={"tag": "dibao"}).json()["items"]
    assert [(p["name"], p["tags"]) for p in tagged] == [("艾力·买买提", ["dibao"])]


def test_tags_are_set_on_create_replaced_on_update_and_follow_a_move(server):
    api = server.as_("office1")
    r = api.post("/api/people", json=make_person(server.tree.id("g1a"),
                                                 tags=["dibao", "veteran"]))
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    assert r.json()["tags"] == ["dibao", "veteran"]
    r = api.patch(f"/api/people/{pid}", json={"tags": ["veteran", "disabled"]})
    assert r.json()["tags"] == ["disabled", "veteran"]
    assert api.get("/api/people", params={"tag": "dibao"}).json()["total"] == 0
    assert _approve_all(server, "worker1a")  # added by the township: the grid reviews it
    api.patch(f"/api/people/{pid}", json={"grid_id": server.tree.id("g1b")})
    assert _approve_all(server, "worker1b")  # the move: a transfer the new grid approves
    seen = server.as_("worker1b").get(f"/api/people/{pid}").json()
    assert seen["tags"] == ["disabled", "veteran"]
    from common.schema import PersonTag
    with server.session() as s:
        live = s.scalars(select(PersonTag.grid_id).where(PersonTag.person_id == pid,
                                                         PersonTag.deleted.is_(False))).all()
        assert set(live) == {server.tree.id("g1b")}


def test_codes_outside_their_dictionary_are_refused(server):
    api = server.as_("worker1a")
    before = counts(server)
    r = api.post("/api/people", json=make_person(server.tree.id("g1a"), resident_type="alien",
                                                 tags=["vip"]))
    assert r.status_code == 422
    assert "人口类型“alien”不在可选项中" in r.json()["message"]
    r = api.post("/api/people", json=make_person(server.tree.id("g1a"), tags=["vip"]))
    assert r.status_code == 422 and "标签“vip”不在可选项中" in r.json()["message"]
    assert counts(server) == before


def test_an_office_exports_its_people_as_csv_and_the_export_is_logged(server):
    import csv
    import io
    number = make_id_number()
    server.as_("worker1a").post("/api/people", json=make_person(server.tree.id("g1a"),
                                                                id_number=number, name="甲"))
    server.as_("worker2").post("/api/people", json=make_person(server.tree.id("g2"), name="乙"))
    r = server.as_("office1").get("/api/people/export.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert table[0][:3] == ["公民身份号码", "姓名", "性别"]
    assert [(row[0], row[1]) for row in table[1:]] == [(number, "甲")]
    assert server.as_("worker1a").get("/api/people/export.csv").status_code == 403
    server.as_("worker1a").post("/api/people", json=make_person(
        server.tree.id("g1a"), name="丙", notes='=HYPERLINK("http://evil","点我")'))
    again = server.as_("office1").get("/api/people/export.csv", params={"q": "丙"})
    head, row = list(csv.reader(io.StringIO(again.content.decode("utf-8-sig"))))
    assert row[head.index("备注")].startswith("'=HYPERLINK")  # a spreadsheet shows it as text, never runs it
    with server.session() as s:
        log = s.scalars(select(OpLog).where(OpLog.action == "export")).all()
    assert [(e.username, e.entity, e.details["rows"]) for e in log] == [
        ("office1", "people", 1), ("office1", "people", 1)]


def test_religion_is_masked_in_lists_and_reads_filterable_and_its_reveal_is_logged(server):
    api = server.as_("worker1a")
    pid = api.post("/api/people", json=make_person(server.tree.id("g1a"),
                                                   religion="islam")).json()["id"]
    api.post("/api/people", json=make_person(server.tree.id("g1a"), religion="none"))
    listed = api.get("/api/people", params={"religion": "islam"}).json()
    assert listed["total"] == 1 and listed["items"][0]["religion"] == "***"
    assert api.get(f"/api/people/{pid}").json()["religion"] == "***"
    r = api.get(f"/api/people/{pid}/reveal/religion")
    assert r.status_code == 200 and r.json()["value"] == "islam"
    refused = api.get(f"/api/people/{pid}/reveal/name")
    assert refused.status_code == 400 and "不认识的字段" in refused.json()["message"]
    with server.session() as s:
        log = s.scalars(select(OpLog).where(OpLog.action == "reveal")).all()
    assert [(e.username, e.record_id, e.details) for e in log] == [
        ("worker1a", pid, {"field": "religion"})]


def test_a_religion_outside_the_dictionary_is_refused_with_its_label(server):
    r = server.as_("worker1a").post("/api/people", json=make_person(server.tree.id("g1a"),
                                                                    religion="unknown"))
    assert r.status_code == 422 and "宗教信仰" in r.json()["message"]
