"""流动人口登记 on the resident pages: a registration reaches the grid's review queue and the
reviewer's decision shows to the resident; a wrong check digit and a second open registration
are refused beside the field with nothing written; another resident never sees it; a township
of another place never sees it in its queue."""
from __future__ import annotations

import re

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from common.errors import ValidationErrors
from common.schema import Person, WorkRequest
from sync_server.services import resident_floating
from sync_server.services.users import create_user
from tests.conftest import NOW
from tests.factories import make_id_number, password_hash
from tests.web.conftest import csrf_of, sign_in
from tests.web.test_resident import PHONE, csrf, signed_in

NAME = "马小龙"


def register(web, client: TestClient, number: str, *, village: str = "v1", **values):
    page = client.get("/h5/floating")
    assert page.status_code == 200
    data = {"csrf_token": csrf(page.text), "name": NAME, "id_number": number,
            "phone": PHONE, "village_id": web.tree.id(village), "address": "幸福路 12 号",
            "stay_months": "6", "stay_until": "", "reason": "务工", **values}
    return client.post("/h5/floating", data=data, follow_redirects=False)


def staff(web, username: str) -> TestClient:
    client = TestClient(web.app)
    assert sign_in(client, username).status_code == 303
    return client


def counts(web) -> tuple[int, int]:
    with web.session() as s:
        return (s.scalar(select(func.count()).select_from(Person)),
                s.scalar(select(func.count()).select_from(WorkRequest)))


def test_the_home_page_links_the_form_and_the_phone_is_prefilled(web):
    client = signed_in(web)
    assert 'href="/h5/floating"' in client.get("/h5/").text
    form = client.get("/h5/floating").text
    assert f'name="phone" type="tel" value="{PHONE}"' in form
    assert "还没有登记" in form


def test_a_registration_waits_in_the_grid_queue_and_the_decision_shows_to_the_resident(web):
    client = signed_in(web)
    number = make_id_number("19900315")
    filed = register(web, client, number)
    assert filed.status_code == 303, filed.text
    mine = client.get(filed.headers["location"]).text
    assert "登记已提交" in mine and NAME in mine and "待审核" in mine
    with web.session() as s:
        person = s.scalars(select(Person).where(Person.id_number == number)).one()
        assert person.resident_type == "floating" and person.grid_id == web.tree.id("g1a")
        request = s.scalars(select(WorkRequest)).one()
        assert request.payload["stay_months"] == 6 and request.payload["reason"] == "务工"
    worker = staff(web, "worker1a")
    queue = worker.get("/admin/workflows")
    assert NAME in queue.text and "人口审核" in queue.text
    rid = re.search(r'data-request="([^"]+)"', queue.text).group(1)
    detail = worker.get(f"/admin/workflows/{rid}").text
    assert "来此原因 务工" in detail and "预计居住 6 个月" in detail
    back = worker.post(f"/admin/workflows/{rid}/step", data={
        "csrf_token": csrf_of(queue.text), "state": "returned", "note": "请补充详细门牌号"},
        follow_redirects=False)
    assert back.status_code == 303, back.text
    mine = client.get("/h5/floating").text
    assert "已退回" in mine and "请补充详细门牌号" in mine
    # returned is no longer open: the resident files again and the reviewer approves
    assert register(web, client, number, address="幸福路 12 号 3 单元 401").status_code == 303
    queue = worker.get("/admin/workflows")
    rid2 = re.search(r'data-request="([^"]+)"', queue.text).group(1)
    assert rid2 != rid
    ok = worker.post(f"/admin/workflows/{rid2}/step", data={
        "csrf_token": csrf_of(queue.text), "state": "approved", "note": ""},
        follow_redirects=False)
    assert ok.status_code == 303, ok.text
    mine = client.get("/h5/floating").text
    assert "已通过" in mine and "已退回" in mine
    assert counts(web) == (1, 2)  # one person in the register, two registrations


def test_a_wrong_check_digit_is_named_beside_the_field_and_nothing_is_written(web):
    client = signed_in(web)
    number = make_id_number("19900315")
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")
    bad = register(web, client, wrong)
    assert bad.status_code == 422
    assert re.search(r'id="e-id_number" role="alert">公民身份号码校验位错误', bad.text)
    assert f'value="{wrong}"' in bad.text  # what was typed stays in the form
    no_stay = register(web, client, number, stay_months="", stay_until="", reason="",
                       village_id="")
    assert no_stay.status_code == 422
    assert re.search(r'id="e-village_id" role="alert">居住村/社区不能为空', no_stay.text)
    assert re.search(r'id="e-stay_months" role="alert">请填写预计居住月数', no_stay.text)
    assert re.search(r'id="e-reason" role="alert">来此原因不能为空', no_stay.text)
    past = register(web, client, number, stay_months="", stay_until="2000-01-01")
    assert past.status_code == 422 and 'id="e-stay_until"' in past.text
    assert counts(web) == (0, 0)


def test_only_one_open_registration_per_id_number(web):
    client = signed_in(web)
    number = make_id_number("19850101")
    assert register(web, client, number).status_code == 303
    again = register(web, client, number, name="马大龙")
    assert again.status_code == 400
    assert re.search(r'id="e-id_number" role="alert">该身份证号已有待审核的流动人口登记', again.text)
    other = signed_in(web, "13700005678")
    assert register(web, other, number).status_code == 400
    assert counts(web) == (1, 1)


def test_another_resident_never_sees_it(web):
    client = signed_in(web)
    assert register(web, client, make_id_number("19900315")).status_code == 303
    other = signed_in(web, "13700005678")
    page = other.get("/h5/floating").text
    assert NAME not in page and "还没有登记" in page


def test_a_number_already_in_the_register_shows_nothing_of_it_to_the_resident(web):
    client = signed_in(web)
    number = make_id_number("19700101")
    assert register(web, client, number, name="马老大").status_code == 303
    worker = staff(web, "worker1a")
    queue = worker.get("/admin/workflows")
    rid = re.search(r'data-request="([^"]+)"', queue.text).group(1)
    worker.post(f"/admin/workflows/{rid}/step", data={
        "csrf_token": csrf_of(queue.text), "state": "approved", "note": ""})
    other = signed_in(web, "13700005678")
    assert register(web, other, number, name="冒名者").status_code == 303
    page = other.get("/h5/floating").text
    assert "冒名者" in page and "马老大" not in page
    with web.session() as s:  # the stored person is left as it was
        assert s.scalars(select(Person.name).where(Person.id_number == number)).all() == ["马老大"]


def test_a_township_of_another_place_never_sees_it(web):
    with web.session() as s:
        create_user(s, username="office2", display_name="office2", role="township_office",
                    scope_node_id=web.tree.id("t2"), now=NOW, password_hash=password_hash())
        s.commit()
    client = signed_in(web)
    assert register(web, client, make_id_number("19900315")).status_code == 303
    assert NAME in staff(web, "office1").get("/admin/workflows").text
    for outsider in ("office2", "worker2", "worker1b"):
        assert NAME not in staff(web, outsider).get("/admin/workflows").text, outsider
    assert register(web, client, make_id_number("19910101"), village="v2",
                    name="马二龙").status_code == 303
    assert "马二龙" in staff(web, "office2").get("/admin/workflows").text
    assert "马二龙" not in staff(web, "office1").get("/admin/workflows").text


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(digit=st.sampled_from("0123456789X"), months=st.integers(-5, 80))
def test_the_check_digit_and_the_stay_hold_for_all_inputs(web, digit, months):
    number = make_id_number("19900315")
    typed = number[:-1] + digit
    with web.session() as s:
        try:
            resident_floating.check(s, name=NAME, id_number=typed, phone="", address="幸福路 1 号",
                                    village_id=web.tree.id("v1"), stay_months=str(months),
                                    stay_until="", reason="务工", today=NOW.date())
        except ValidationErrors as err:
            fields = {e.field for e in err.errors}
        else:
            fields = set()
    assert ("id_number" in fields) == (digit != number[-1])
    assert ("stay_months" in fields) == (not 1 <= months <= 60)
