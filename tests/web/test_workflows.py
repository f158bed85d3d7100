"""流程审核 pages over HTTP: claim by full ID number, the review queue (approve, refuse, return),
my requests (withdraw), the migration records, work items on the home page, scope and CSRF."""
from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from common.schema import Household, Person, PersonMove, WorkRequest
from sync_server.services.changes import apply_change
from tests.conftest import NOW
from tests.factories import make_id_number, make_person
from tests.web.conftest import csrf_of, sign_in


def _client(web, username: str) -> TestClient:
    client = TestClient(web.app)
    sign_in(client, username)
    return client


def _person_in(web, grid: str, name: str = "王小明") -> tuple[str, str]:
    number = make_id_number("19700101")
    with web.session() as s:
        hh = apply_change(s, Household, None, {"household_no": "H-9", "grid_id":
                                               web.tree.id(grid)}, now=NOW)
        p = apply_change(s, Person, None, make_person(web.tree.id(grid), id_number=number,
                                                      name=name, household_id=hh.id), now=NOW)
        s.commit()
        return p.id, number


def _claim(web, client: TestClient, number: str, grid: str, reason: str = "已搬来本网格"):
    page = client.get("/admin/workflows/claim")
    return client.post("/admin/workflows/claim", data={
        "csrf_token": csrf_of(page.text), "id_number": number,
        "to_node_id": web.tree.id(grid), "reason": reason}, follow_redirects=False)


def test_lookup_shows_only_the_grid_and_a_masked_name_and_needs_a_full_valid_number(web):
    _, number = _person_in(web, "g1a")
    client = _client(web, "worker2")
    token = csrf_of(client.get("/admin/workflows/claim").text)
    found = client.post("/admin/workflows/claim/lookup",
                        data={"csrf_token": token, "id_number": number})
    assert found.status_code == 200
    assert "团结社区第一网格" in found.text and "王**" in found.text
    assert "王小明" not in found.text
    partial = client.post("/admin/workflows/claim/lookup",
                          data={"csrf_token": token, "id_number": number[:10]})
    assert partial.status_code == 422 and "应为 18 位" in partial.text
    missing = client.post("/admin/workflows/claim/lookup",
                          data={"csrf_token": token, "id_number": make_id_number("19910101")})
    assert "全县没有该身份证号的在册人员" in missing.text


def test_a_claim_filed_on_the_web_is_approved_in_the_old_grids_queue_and_moves_the_person(web):
    pid, number = _person_in(web, "g1a")
    worker2 = _client(web, "worker2")
    assert _claim(web, worker2, number, "g2").status_code == 303
    mine = worker2.get("/admin/workflows/mine").text
    assert "待审核" in mine and "王**" in mine and "王小明" not in mine
    assert "王小明" not in _client(web, "worker1b").get("/admin/workflows").text
    office = _client(web, "office1")
    queue = office.get("/admin/workflows")
    assert "王小明" in queue.text
    rid = re.search(r'data-request="([^"]+)"', queue.text).group(1)
    done = office.post(f"/admin/workflows/{rid}/step", data={
        "csrf_token": csrf_of(queue.text), "state": "approved", "note": "核实"},
        follow_redirects=False)
    assert done.status_code == 303
    with web.session() as s:
        assert s.get(Person, pid).grid_id == web.tree.id("g2")
        assert s.scalars(select(PersonMove.direction).where(
            PersonMove.person_id == pid)).all() != []
    moves = worker2.get("/admin/workflows/moves?direction=in")
    assert "王小明" in moves.text and "迁入" in moves.text
    assert "王小明" not in worker2.get("/admin/workflows/moves?direction=out").text
    out = _client(web, "worker1a").get("/admin/workflows/moves")
    assert "迁出" in out.text and "南湖村第一网格" in out.text
    assert "办理记录" in office.get(f"/admin/workflows/{rid}").text


def test_a_refusal_without_a_reason_is_refused_beside_the_field_and_nothing_changes(web):
    _, number = _person_in(web, "g1a")
    _claim(web, _client(web, "worker2"), number, "g2")
    office = _client(web, "office1")
    queue = office.get("/admin/workflows")
    rid = re.search(r'data-request="([^"]+)"', queue.text).group(1)
    bad = office.post(f"/admin/workflows/{rid}/step", data={
        "csrf_token": csrf_of(queue.text), "state": "refused", "note": ""})
    assert bad.status_code == 400 and "请填写审核意见" in bad.text
    with web.session() as s:
        assert s.get(WorkRequest, rid).state == "submitted"
    no_csrf = office.post(f"/admin/workflows/{rid}/step", data={"state": "refused",
                                                                "note": "x"})
    assert no_csrf.status_code == 403


def test_bad_claims_answer_beside_the_field(web):
    _, number = _person_in(web, "g1a")
    worker2 = _client(web, "worker2")
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")
    bad = _claim(web, worker2, wrong, "g2")
    assert bad.status_code == 422 and "校验位错误" in bad.text
    elsewhere = _claim(web, worker2, number, "g1b")
    assert elsewhere.status_code == 403 and "不在您的管辖范围内" in elsewhere.text
    with web.session() as s:
        assert s.scalar(select(WorkRequest.id)) is None


def test_the_filer_withdraws_from_my_requests_and_the_queue_empties(web):
    _, number = _person_in(web, "g1a")
    worker2 = _client(web, "worker2")
    _claim(web, worker2, number, "g2")
    mine = worker2.get("/admin/workflows/mine")
    rid = re.search(r'data-request="([^"]+)"', mine.text).group(1)
    worker2.post(f"/admin/workflows/{rid}/step", data={
        "csrf_token": csrf_of(mine.text), "state": "withdrawn", "back": "mine"})
    assert "已撤回" in worker2.get("/admin/workflows/mine").text
    assert "没有待审核的申请" in _client(web, "worker1a").get("/admin/workflows").text


def test_the_home_page_lists_my_work_items_with_a_link_to_the_queue(web):
    _, number = _person_in(web, "g1a")
    _claim(web, _client(web, "worker2"), number, "g2")
    home = _client(web, "worker1a").get("/admin/").text
    assert re.search(r'data-key="review_claim"><a href="/admin/workflows\?kind=claim">'
                     r'待我审核的人员认领</a> <strong>1</strong>', home)
    assert 'data-key="review_claim"' not in _client(web, "worker2").get("/admin/").text


def test_only_the_county_sets_the_conversion_period_and_bad_values_are_named(web):
    admin = _client(web, "admin")
    page = admin.get("/admin/workflows")
    assert "连续居住满多少个月" in page.text
    bad = admin.post("/admin/workflows/settings", data={"csrf_token": csrf_of(page.text),
                                                        "months": "abc"})
    assert bad.status_code == 422 and "1 到 60 之间的整数" in bad.text
    ok = admin.post("/admin/workflows/settings", data={"csrf_token": csrf_of(page.text),
                                                       "months": "9"}, follow_redirects=False)
    assert ok.status_code == 303 and 'value="9"' in admin.get("/admin/workflows").text
    office = _client(web, "office1")
    page = office.get("/admin/workflows")
    assert "连续居住满多少个月" not in page.text
    assert office.post("/admin/workflows/settings", data={
        "csrf_token": csrf_of(page.text), "months": "3"}).status_code == 403


def test_a_person_the_township_adds_is_returned_corrected_and_resubmitted_on_the_web(web):
    g1a = web.tree.id("g1a")
    with web.session() as s:
        from common.schema import User
        from sync_server.services.records import create_record
        from sync_server.services.scope import Scope
        office = s.get(User, web.tree.users["office1"].id)
        pid = create_record(s, Scope.of(s, office), office, Person,
                            make_person(g1a, name="钱错字"), now=NOW).id
        s.commit()
    worker = _client(web, "worker1a")
    queue = worker.get("/admin/workflows")
    rid = re.search(r'data-request="([^"]+)"', queue.text).group(1)
    worker.post(f"/admin/workflows/{rid}/step", data={
        "csrf_token": csrf_of(queue.text), "state": "returned", "note": "姓名有误"})
    township = _client(web, "office1")
    mine = township.get("/admin/workflows/mine")
    assert "已退回" in mine.text and "姓名有误" in mine.text  # the reason reaches the sender
    with web.session() as s:
        assert s.get(Person, pid).status == "pending"  # still outside the register
    answer = township.post(f"/admin/workflows/{rid}/step", data={
        "csrf_token": csrf_of(mine.text), "state": "submitted", "back": "mine",
        "reason": "姓名已按户口簿更正"}, follow_redirects=False)
    assert answer.status_code == 303
    detail = worker.get(f"/admin/workflows/{rid}").text
    assert "重新提交" in detail and "姓名已按户口簿更正" in detail
    queue = worker.get("/admin/workflows")
    worker.post(f"/admin/workflows/{rid}/step", data={
        "csrf_token": csrf_of(queue.text), "state": "approved"})
    with web.session() as s:
        assert s.get(Person, pid).status == "normal"


def test_a_grid_change_on_the_person_form_is_a_transfer_the_new_grid_sees_as_work(web):
    pid, _ = _person_in(web, "g1a")
    office = _client(web, "office1")
    url = f"/admin/registry/people/{pid}"
    form = office.get(url).text
    values = {m.group(1): m.group(2) for m in re.finditer(
        r'<input id="f-[^"]+" name="([^"]+)" type="[^"]+" value="([^"]*)"', form)}
    values.update({k: m.group(1) for k in ("sex", "resident_type", "status", "ethnicity")
                   if (m := re.search(rf'<select id="f-{k}" name="{k}".*?<option value="([^"]*)"'
                                      r' selected>', form, re.S))})
    saved = office.post(url, data={**values, "csrf_token": csrf_of(form),
                                   "grid_id": web.tree.id("g1b")})
    assert saved.status_code == 200, saved.text[-500:]
    assert re.search(r'id="transfer-notice" role="status">已提交人员转移申请：转入「团结社区第二网格」'
                     r'须由该网格审核通过后生效，此前仍属「团结社区第一网格」', saved.text)
    with web.session() as s:
        assert s.get(Person, pid).grid_id == web.tree.id("g1a")
    home = _client(web, "worker1b").get("/admin/").text
    assert re.search(r'data-key="review_transfer"><a href="/admin/workflows\?kind=transfer">'
                     r'待我审核的人员转移</a> <strong>1</strong>', home)
    queue = _client(web, "worker1b").get("/admin/workflows?kind=transfer").text
    assert "王小明" in queue and "网格变更" in queue
    assert 'data-key="review_transfer"' not in _client(web, "worker1a").get("/admin/").text
