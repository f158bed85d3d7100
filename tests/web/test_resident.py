"""The resident side (/h5) over plain HTTP: SMS sign-in with its limits, consent, 随手拍 becoming
an event in the grid holding the place (photos checked, EXIF dropped, position kept), a
resident seeing only their own reports, rating and reopening, withdrawal and deletion, and a
bounded flood answered 429 and never 5xx."""
from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import func, select

from common.attachments import thumb_bytes
from common.schema import Event, EventAction
from sync_server.db.resident_tables import Resident
from sync_server.services.changes import apply_change
from tests.web.conftest import CAPTCHA, sign_in

PHONE = "13700001234"


def form_fields(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))


def jpeg(*, gps: bool = False, size: tuple[int, int] = (640, 480)) -> bytes:
    img = Image.new("RGB", size, (90, 140, 60))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # camera make: must not survive
    if gps:
        exif[0x8825] = {1: "N", 2: (39.0, 54.0, 0.0), 3: "E", 4: (116.0, 23.0, 24.0)}
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif)
    return out.getvalue()


def last_code(web) -> str:
    return re.search(r"验证码是 (\d{6})", web.app.state.sms_gateway.messages()[-1]["text"]).group(1)


def ask_code(client: TestClient, phone: str = PHONE, answer: str = CAPTCHA):
    page = client.get("/h5/login")
    return client.post("/h5/login/send", data=form_fields(page.text) | {
        "phone": phone, "captcha_answer": answer}, follow_redirects=False)


def signed_in(web, phone: str = PHONE, *, consent: bool = True) -> TestClient:
    client = TestClient(web.app)
    step = ask_code(client, phone)
    assert step.status_code == 200, step.text
    answer = client.post("/h5/login", data=form_fields(step.text) | {"code": last_code(web)},
                         follow_redirects=False)
    assert answer.status_code == 303
    if consent:
        page = client.get("/h5/consent")
        client.post("/h5/consent", data={"csrf_token": csrf(page.text), "agree": "yes"})
    web.clock.advance(seconds=61)
    return client


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def file_report(web, client: TestClient, *, photos=(), **values):
    page = client.get("/h5/report")
    data = {"csrf_token": csrf(page.text), "category": "environment",
            "description": "幸福路垃圾桶满了没人清运", "village_id": web.tree.id("v1"),
            "address": "幸福路 12 号", **values}
    files = [("photos", (f"p{i}.jpg", p, "image/jpeg")) for i, p in enumerate(photos)]
    return client.post("/h5/report", data=data, files=files or None, follow_redirects=False)


def test_a_resident_signs_in_by_code_agrees_to_the_policy_and_reaches_home(web):
    client = TestClient(web.app)
    bad = ask_code(client, "1370000")
    assert bad.status_code == 422 and "不是有效的手机号码" in bad.text
    wrong_captcha = ask_code(client, answer="ZZZZ")
    assert wrong_captcha.status_code == 401
    step = ask_code(client)
    assert "验证码已发送到 137****1234" in step.text
    code = last_code(web)
    wrong = client.post("/h5/login", data=form_fields(step.text) | {
        "code": "000000" if code != "000000" else "111111"})
    assert wrong.status_code == 401 and "还可再试 4 次" in wrong.text
    answer = client.post("/h5/login", data=form_fields(step.text) | {"code": code},
                         follow_redirects=False)
    assert answer.headers["location"] == "/h5/consent"
    assert client.get("/h5/", follow_redirects=False).headers["location"] == "/h5/consent"
    page = client.get("/h5/consent")
    assert "保存多久" in page.text and "谁能看到" in page.text
    refused = client.post("/h5/consent", data={"csrf_token": csrf(page.text)})
    assert refused.status_code == 422 and "请先阅读并勾选同意" in refused.text
    assert client.post("/h5/consent", data={"csrf_token": "forged", "agree": "yes"}
                       ).status_code == 403
    client.post("/h5/consent", data={"csrf_token": csrf(page.text), "agree": "yes"})
    home = client.get("/h5/")
    assert home.status_code == 200 and "随手拍" in home.text
    with web.session() as s:
        (resident,) = s.scalars(select(Resident)).all()
        assert resident.phone == PHONE and resident.consent_at == web.clock()


def test_a_resident_session_never_opens_the_console_or_the_staff_api(web):
    client = signed_in(web)
    assert client.get("/admin/", follow_redirects=False).headers["location"].startswith(
        "/admin/login")
    assert client.get("/api/people").status_code == 401
    # and a staff session is not a resident one
    staff = TestClient(web.app)
    sign_in(staff, "admin")
    assert staff.get("/h5/reports", follow_redirects=False).headers["location"] == "/h5/login"


def test_a_report_becomes_an_event_in_the_grid_with_a_stripped_photo_and_its_position(web):
    client = signed_in(web)
    answer = file_report(web, client, photos=[jpeg(gps=True)])
    assert answer.status_code == 303, answer.text
    event_id = answer.headers["location"].split("/")[-1].split("?")[0]
    with web.session() as s:
        event = s.get(Event, event_id)
        assert event.grid_id == web.tree.id("g1a")  # the village's grid
        assert (event.status, event.source, event.category) == ("pending", "resident",
                                                                "environment")
        assert event.reporter_phone == PHONE and "39.90000,116.39000" in event.location
        assert event.due_at == web.clock() + dt.timedelta(days=3)  # environment: 3 days
        (ref,) = event.photos
        assert thumb_bytes(ref)  # devices show it without the original
    stored = (web.settings.attachments_dir / ref["sha256"][:2] / ref["sha256"]).read_bytes()
    with Image.open(io.BytesIO(stored)) as img:
        assert not img.getexif()  # no camera make, no GPS in what is kept and shown
    page = client.get(f"/h5/reports/{event_id}")
    assert "已受理" in page.text and "幸福路垃圾桶满了" in page.text
    assert client.get(f"/h5/reports/{event_id}/photos/0").content == stored
    assert client.get(f"/h5/reports/{event_id}/photos/1").status_code == 404
    assert signed_in(web, "13700009999").get(
        f"/h5/reports/{event_id}/photos/0").status_code == 404  # another resident


@pytest.mark.parametrize("values, photos, status, message", [
    ({"category": ""}, [], 422, "问题类别不能为空"),
    ({"description": "  "}, [], 422, "问题描述不能为空"),
    ({"description": "很" * 501}, [], 422, "问题描述过长"),
    ({"village_id": ""}, [], 422, "所在村/社区不能为空"),
    ({"address": ""}, [], 422, "详细地址不能为空"),
    ({"lat": "abc"}, [], 422, "纬度“abc”不是有效的数字"),
    ({}, [b"not an image at all"], 415, "第 1 张照片无法识别"),
    ({}, [jpeg()] * 4, 422, "最多上传 3 张照片"),
])
def test_bad_reports_are_refused_by_field_in_chinese_and_leave_nothing(web, values, photos,
                                                                      status, message):
    client = signed_in(web)
    answer = file_report(web, client, photos=photos, **values)
    assert answer.status_code == status and message in answer.text
    with web.session() as s:
        assert s.scalars(select(Event)).all() == []
    assert not any(p.is_file() for p in web.settings.attachments_dir.rglob("*")
                   if p.parent.name != "staging")


def close_event(web, event_id: str, note: str) -> None:
    with web.session() as s:
        event = s.get(Event, event_id)
        worker = web.tree.users["worker1a"].id
        apply_change(s, Event, event_id, {"status": "closed", "closed_at": web.clock(),
                                          "assignee_id": worker}, now=web.clock())
        apply_change(s, EventAction, None, {"event_id": event_id, "action": "close",
                                            "actor_id": worker, "note": note,
                                            "acted_at": web.clock(), "grid_id": event.grid_id},
                     now=web.clock())
        s.commit()


def test_a_report_form_sent_again_opens_the_report_it_filed_instead_of_a_second(web):
    # no photos: nothing else tells the two copies apart (the answer lost on a 2G link, a
    # double tap); a new form files a new report
    client = signed_in(web)
    page = client.get("/h5/report")
    form_id = re.search(r'name="form_id" value="([^"]+)"', page.text).group(1)
    data = {"csrf_token": csrf(page.text), "form_id": form_id, "category": "environment",
            "description": "幸福路垃圾桶满了没人清运", "village_id": web.tree.id("v1"),
            "address": "幸福路 12 号"}
    first = client.post("/h5/report", data=data, follow_redirects=False)
    second = client.post("/h5/report", data=data, follow_redirects=False)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    refused = client.post("/h5/report", data={**data, "form_id": "", "description": ""},
                          follow_redirects=False)
    assert refused.status_code == 422
    kept = re.search(r'name="form_id" value="([^"]+)"', refused.text).group(1)
    assert kept != form_id  # a refused new form is a new form: it files once corrected
    assert file_report(web, client).status_code == 303
    with web.session() as s:
        assert s.scalar(select(func.count()).select_from(Event)) == 2


def test_a_resident_sees_only_their_own_reports_and_rates_the_answer(web):
    alice = signed_in(web, "13700001111")
    bob = signed_in(web, "13700002222")
    event_id = file_report(web, alice).headers["location"].split("/")[-1].split("?")[0]
    assert bob.get(f"/h5/reports/{event_id}").status_code == 404
    assert "幸福路" not in bob.get("/h5/reports").text
    page = alice.get(f"/h5/reports/{event_id}")
    assert "评价答复" not in page.text  # not answered yet
    close_event(web, event_id, "已联系环卫所清运完毕")
    page = alice.get(f"/h5/reports/{event_id}")
    assert "已答复" in page.text and "已联系环卫所清运完毕" in page.text
    assert "worker1a" not in page.text and "网格员甲" not in page.text
    assert bob.post(f"/h5/reports/{event_id}/rate", data={
        "csrf_token": csrf(bob.get("/h5/report").text), "rating": "1"}).status_code == 404
    no_stars = alice.post(f"/h5/reports/{event_id}/rate", data={"csrf_token": csrf(page.text)})
    assert no_stars.status_code == 422 and "请选择 1 到 5 星的评价" in no_stars.text
    alice.post(f"/h5/reports/{event_id}/rate", data={
        "csrf_token": csrf(page.text), "rating": "2", "rating_note": "还是很脏",
        "reopen": "yes"})
    with web.session() as s:
        event = s.get(Event, event_id)
        assert (event.satisfaction, event.status, event.closed_at) == (
            "dissatisfied", "assigned", None)
        actions = [a.action for a in s.scalars(select(EventAction).where(
            EventAction.event_id == event_id).order_by(EventAction.rev))]
        assert actions == ["close", "rate", "reopen"]
    page = alice.get(f"/h5/reports/{event_id}")
    assert "不满意" in page.text and "已重新办理" in page.text and "还是很脏" in page.text


def test_withdrawing_consent_stops_filing_and_deleting_forgets_the_number(web):
    client = signed_in(web)
    event_id = file_report(web, client).headers["location"].split("/")[-1].split("?")[0]
    page = client.get("/h5/profile")
    client.post("/h5/profile/withdraw", data={"csrf_token": csrf(page.text)})
    assert client.get("/h5/report", follow_redirects=False).headers["location"] == \
        "/h5/consent"
    page = client.get("/h5/profile")
    unconfirmed = client.post("/h5/profile/delete", data={"csrf_token": csrf(page.text)})
    assert unconfirmed.status_code == 422 and "请勾选" in unconfirmed.text
    client.post("/h5/profile/delete", data={"csrf_token": csrf(page.text), "confirm": "yes"})
    assert client.get("/h5/", follow_redirects=False).headers["location"] == "/h5/login"
    with web.session() as s:
        assert s.get(Event, event_id).reporter_phone is None
        (resident,) = s.scalars(select(Resident)).all()
        assert resident.phone is None and resident.deleted_at is not None


def test_a_bounded_flood_of_codes_and_reports_gets_429s_and_never_a_5xx(web):
    flooder = TestClient(web.app)
    statuses = []
    for i in range(25):
        statuses.append(ask_code(flooder, f"1370000{i:04d}").status_code)
    assert statuses.count(200) == 10 and set(statuses) == {200, 429}
    assert "获取验证码次数过多" in ask_code(flooder, "13799999999").text
    web.clock.advance(hours=2)
    client = signed_in(web)
    filed = [file_report(web, client).status_code for _ in range(14)]
    assert filed.count(303) == 10 and set(filed) == {303, 429}
    assert "提交过于频繁" in file_report(web, client).text


def test_my_grid_worker_shows_only_the_name_and_work_phone_for_my_address(web):
    from common.schema import User
    with web.session() as s:
        s.get(User, web.tree.users["worker1a"].id).phone = "13911112222"
        s.commit()
    client = signed_in(web)
    page = client.get("/h5/profile")
    assert "登记住址后" in page.text
    bad = client.post("/h5/profile/address", data={"csrf_token": csrf(page.text),
                                                   "village_id": "", "address": ""})
    assert bad.status_code == 422 and "所在村/社区不能为空" in bad.text and "详细地址不能为空" in bad.text
    client.post("/h5/profile/address", data={"csrf_token": csrf(page.text),
                                              "village_id": web.tree.id("v1"),
                                              "address": "幸福路 12 号"})
    page = client.get("/h5/profile").text
    assert "worker1a · " in page and "13911112222" in page
    assert "worker1b" not in page and "worker1a（" not in page  # no account name, no other grid


def test_notices_reach_the_residents_of_the_node_they_were_published_to(web):
    office = TestClient(web.app)
    sign_in(office, "office1")
    page = office.get("/admin/notices")
    bad = office.post("/admin/notices", data={"csrf_token": csrf(page.text), "title": "",
                                              "body": "x", "target_node_id": web.tree.id("v2")})
    assert bad.status_code == 422 and "标题不能为空" in bad.text and "发布范围不能为空" in bad.text
    for title, node in (("团结社区停水通知", "v1"), ("第二网格消杀", "g1b")):
        office.post("/admin/notices", data={"csrf_token": csrf(page.text), "title": title,
                                            "body": "明天 9 点到 12 点", "target_node_id":
                                            web.tree.id(node)})
    client = signed_in(web)
    assert "团结社区停水通知" not in client.get("/h5/notices").text  # no address yet
    page = client.get("/h5/profile")
    client.post("/h5/profile/address", data={"csrf_token": csrf(page.text),
                                              "village_id": web.tree.id("v1"),
                                              "address": "幸福路 12 号"})
    text = client.get("/h5/notices").text
    assert "团结社区停水通知" in text and "第二网格消杀" not in text  # address is in g1a
    assert "团结社区停水通知" in client.get("/h5/").text


def test_a_wish_is_claimed_by_a_cadre_of_its_village_fulfilled_and_confirmed(web):
    client = signed_in(web)
    page = client.get("/h5/wishes")
    bad = client.post("/h5/wishes", data={"csrf_token": csrf(page.text), "title": " ",
                                          "village_id": ""})
    assert bad.status_code == 422 and "心愿不能为空" in bad.text and "所在村/社区不能为空" in bad.text
    client.post("/h5/wishes", data={"csrf_token": csrf(page.text), "title": "想要一副老花镜",
                                    "village_id": web.tree.id("v1")})
    other = TestClient(web.app)
    sign_in(other, "worker2")  # another township
    assert "老花镜" not in other.get("/admin/wishes").text
    cadre = TestClient(web.app)
    sign_in(cadre, "worker1a")
    listing = cadre.get("/admin/wishes")
    wish_id = re.search(r'action="/admin/wishes/([0-9a-f-]+)"', listing.text).group(1)
    token = csrf(listing.text)
    assert cadre.post(f"/admin/wishes/{wish_id}", data={"csrf_token": token,
                                                        "action": "claim"}).status_code == 200
    again = cadre.post(f"/admin/wishes/{wish_id}", data={"csrf_token": token, "action": "claim"})
    assert again.status_code == 409 and "不能“认领”" in again.text
    cadre.post(f"/admin/wishes/{wish_id}", data={"csrf_token": token, "action": "fulfil"})
    page = client.get("/h5/wishes")
    assert "已完成，待确认" in page.text
    assert "13700001234" not in cadre.get("/admin/wishes").text  # no resident's number
    client.post(f"/h5/wishes/{wish_id}/confirm", data={"csrf_token": csrf(page.text)})
    assert "已确认" in client.get("/h5/wishes").text


def test_a_volunteer_marked_by_staff_claims_and_fulfils_a_wish_and_the_resident_sees_each_step(
        web):
    helper = signed_in(web, "13700005555")
    assert "志愿服务" not in helper.get("/h5/wishes").text  # not a volunteer yet
    client = signed_in(web)
    page = client.get("/h5/wishes")
    client.post("/h5/wishes", data={"csrf_token": csrf(page.text), "title": "想请人修收音机",
                                    "village_id": web.tree.id("v1")})
    office = TestClient(web.app)
    sign_in(office, "office1")
    listing = office.get("/admin/wishes")
    token = csrf(listing.text)
    bad = office.post("/admin/wishes/volunteers", data={
        "csrf_token": token, "phone": "123", "name": "", "node_id": web.tree.id("v2")})
    assert bad.status_code == 422 and "不是有效的手机号码" in bad.text and \
        "志愿者姓名不能为空" in bad.text and "服务的乡镇/村社区不能为空" in bad.text  # v2: t2
    unknown = office.post("/admin/wishes/volunteers", data={
        "csrf_token": token, "phone": "13700006666", "name": "李明",
        "node_id": web.tree.id("v1")})
    assert unknown.status_code == 400 and "还没有居民端账号" in unknown.text
    office.post("/admin/wishes/volunteers", data={
        "csrf_token": token, "phone": "13700005555", "name": "李明",
        "node_id": web.tree.id("t1")})
    assert "137****5555" in office.get("/admin/wishes").text
    # another township's volunteer sees nothing of it; the volunteer never sees the number
    page = helper.get("/h5/wishes")
    assert "想请人修收音机" in page.text and "13700001234" not in page.text
    wish_id = re.search(r'action="/h5/wishes/([0-9a-f-]+)/claim"', page.text).group(1)
    token = csrf(page.text)
    assert helper.post(f"/h5/wishes/{wish_id}/fulfil",
                       data={"csrf_token": token}).status_code == 409  # not claimed yet
    helper.post(f"/h5/wishes/{wish_id}/claim", data={"csrf_token": token})
    web.clock.advance(hours=3)
    mine = client.get("/h5/wishes").text
    assert "志愿者 李明认领了心愿" in mine and "已认领" in mine
    cadre = TestClient(web.app)
    sign_in(cadre, "worker1a")
    listing = cadre.get("/admin/wishes")
    assert "志愿者 李明" in listing.text
    took = cadre.post(f"/admin/wishes/{wish_id}", data={"csrf_token": csrf(listing.text),
                                                        "action": "fulfil"})
    assert took.status_code == 409  # only who claimed it marks it fulfilled
    helper.post(f"/h5/wishes/{wish_id}/fulfil", data={"csrf_token": token})
    page = client.get("/h5/wishes")
    assert "志愿者 李明标记心愿已实现，待您确认" in page.text
    client.post(f"/h5/wishes/{wish_id}/confirm", data={"csrf_token": csrf(page.text)})
    assert "您已确认心愿实现" in client.get("/h5/wishes").text
    # no longer a volunteer: the section disappears
    sign_in(office, "office1")  # signed out while the hours passed
    listing = office.get("/admin/wishes")
    volunteer_id = re.search(r'/admin/wishes/volunteers/([0-9a-f-]+)/remove',
                             listing.text).group(1)
    office.post(f"/admin/wishes/volunteers/{volunteer_id}/remove",
                data={"csrf_token": csrf(listing.text)})
    assert "志愿服务" not in helper.get("/h5/wishes").text
    stranger = signed_in(web, "13700007777")
    assert stranger.post(f"/h5/wishes/{wish_id}/claim", data={
        "csrf_token": csrf(stranger.get("/h5/wishes").text)}).status_code == 404
