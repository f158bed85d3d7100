"""网上办事 and 主动上报 over plain HTTP: the county admin configures a service on the console,
a resident applies on /h5 with a photo (EXIF dropped) and follows it; the township asks for
material, the resident adds it, the township approves and signs, the resident downloads the
PDF; bad input on every form is named beside its field with a 4xx and nothing written; a
resident never reaches another's application or file; staff out of scope get 404; hostile
input on the resident endpoints never gives a 5xx or a half-written application."""
from __future__ import annotations

import io
import re

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from sqlalchemy import func, select

from sync_server.db.affair_tables import AffairApplication, AffairFile, AffairService, AffairStep
from sync_server.db.tables import OpLog
from tests.web.conftest import csrf_of, sign_in
from tests.web.test_resident import PHONE, csrf, jpeg, signed_in

SERVICE = {"name": "开具居住证明", "description": "用于子女入学、办理证件等", "level": "township",
           "days": "5", "material_label": ["身份证照片", "租房合同", ""],
           "material_kind": ["photo", "any", "photo"], "material_required": ["0"]}


def staff(web, username: str) -> TestClient:
    client = TestClient(web.app)
    assert sign_in(client, username).status_code == 303
    return client


def configure(web, values=None):
    admin = staff(web, "admin")
    page = admin.get("/admin/affairs/services")
    assert page.status_code == 200
    return admin, admin.post("/admin/affairs/services", data={
        "csrf_token": csrf_of(page.text), **(values or SERVICE)}, follow_redirects=False)


def service_id(web) -> str:
    with web.session() as s:
        return s.scalars(select(AffairService.id)).one()


def apply(web, client: TestClient, sid: str, files=None, **values):
    page = client.get(f"/h5/affairs/apply/{sid}")
    assert page.status_code == 200
    data = {"csrf_token": csrf(page.text), "applicant": "张三", "phone": PHONE,
            "village_id": web.tree.id("v1"), "address": "幸福路 12 号", "details": "孩子入学",
            **values}
    if files is None:
        files = [("m0", ("id.jpg", jpeg(), "image/jpeg"))]
    return client.post(f"/h5/affairs/apply/{sid}", data=data, files=files or None,
                       follow_redirects=False)


def counts(web) -> tuple[int, int, int]:
    with web.session() as s:
        return tuple(s.scalar(select(func.count()).select_from(t))
                     for t in (AffairApplication, AffairStep, AffairFile))


def step(client: TestClient, aid: str, action: str, note: str = "", target: str = ""):
    page = client.get(f"/admin/affairs/{aid}")
    return client.post(f"/admin/affairs/{aid}/step", data={
        "csrf_token": csrf_of(page.text), "action": action, "note": note,
        "target_id": target}, follow_redirects=False)


def test_the_whole_round_from_configuration_to_the_signed_pdf(web):
    _, saved = configure(web)
    assert saved.status_code == 303
    sid = service_id(web)
    resident = signed_in(web)
    home = resident.get("/h5/affairs").text
    assert "开具居住证明" in home and "主动上报" in home
    filed = apply(web, resident, sid)
    assert filed.status_code == 303, filed.text
    aid = re.search(r"/h5/affairs/([\w-]+)\?filed=1", filed.headers["location"]).group(1)
    mine = resident.get(filed.headers["location"]).text
    assert "已提交" in mine and "待受理" in mine and "托克逊镇" in mine
    office = staff(web, "office1")
    listed = office.get("/admin/affairs?kind=service").text
    assert f'data-application="{aid}"' in listed
    page = office.get(f"/admin/affairs/{aid}").text
    assert "137****1234" in page and PHONE not in page  # masked as on the 接诉即办 pages
    asked = step(office, aid, "ask", "请补充户口本首页照片")
    assert asked.status_code == 303
    detail = resident.get(f"/h5/affairs/{aid}").text
    assert "需要补充：请补充户口本首页照片" in detail and 'name="files"' in detail
    page = resident.get(f"/h5/affairs/{aid}")
    nothing = resident.post(f"/h5/affairs/{aid}/supply", data={"csrf_token": csrf(page.text)},
                            follow_redirects=False)
    assert nothing.status_code == 422
    assert re.search(r'id="e-files" role="alert">请至少上传一份补充材料', nothing.text)
    added = resident.post(f"/h5/affairs/{aid}/supply", data={"csrf_token": csrf(page.text)},
                          files=[("files", ("hk.jpg", jpeg(), "image/jpeg"))],
                          follow_redirects=False)
    assert added.status_code == 303
    assert "补充材料 1" in office.get(f"/admin/affairs/{aid}").text
    early = step(office, aid, "sign")
    assert early.status_code == 409 and "当前状态为“办理中”，不能“签发办结”" in early.text
    assert step(office, aid, "approve").status_code == 303
    assert step(office, aid, "sign", "请携带身份证到镇政务服务中心领取").status_code == 303
    detail = resident.get(f"/h5/affairs/{aid}").text
    assert "已办结" in detail and "请携带身份证到镇政务服务中心领取" in detail
    assert "office1" not in detail  # the resident sees the unit, never a staff name
    link = re.search(rf'href="(/h5/affairs/{aid}/files/[\w-]+)">下载', detail).group(1)
    pdf = resident.get(link)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert pdf.headers["content-type"] == "application/pdf"
    with web.session() as s:
        logged = s.scalar(select(func.count()).select_from(OpLog).where(
            OpLog.action == "affair"))
    assert logged == 5  # submit, ask, supply, approve, sign
    photo = re.search(rf'href="(/admin/affairs/{aid}/files/[\w-]+)">身份证照片',
                      office.get(f"/admin/affairs/{aid}").text).group(1)
    got = office.get(photo)
    assert got.status_code == 200 and "attachment" in got.headers["content-disposition"]
    assert Image.open(io.BytesIO(got.content)).getexif().get(0x010F) is None


def test_bad_configuration_is_named_beside_each_field_and_nothing_is_saved(web):
    _, bad = configure(web, {**SERVICE, "name": "", "days": "abc", "level": ""})
    assert bad.status_code == 422
    assert re.search(r'id="e-name" role="alert">事项名称不能为空', bad.text)
    assert re.search(r'id="e-days" role="alert">办理时限应为 1 至 60', bad.text)
    assert re.search(r'id="e-level" role="alert">办理层级不能为空', bad.text)
    assert 'value="身份证照片"' in bad.text  # the typed materials stay in the form
    with web.session() as s:
        assert s.scalar(select(func.count()).select_from(AffairService)) == 0


def test_township_and_grid_users_cannot_configure_services(web):
    for name in ("office1", "worker1a"):
        assert staff(web, name).get("/admin/affairs/services").status_code == 403


def test_missing_and_wrong_materials_are_named_and_nothing_is_written(web):
    configure(web)
    sid = service_id(web)
    client = signed_in(web)
    bad = apply(web, client, sid, files=[("m1", ("c.txt", b"hello", "text/plain"))],
                applicant="", phone="123", village_id="")
    assert bad.status_code == 422
    # the message names the field as the form labels it
    assert re.search(r'id="e-village_id" role="alert">居住村/社区不能为空', bad.text)
    assert re.search(r'id="e-m0" role="alert">请上传“身份证照片”', bad.text)
    assert re.search(r'id="e-m1" role="alert">“租房合同”应为照片或 PDF', bad.text)
    assert re.search(r'id="e-applicant" role="alert">申请人姓名不能为空', bad.text)
    assert 'id="e-phone"' in bad.text
    assert counts(web) == (0, 0, 0)


def test_a_resident_never_reaches_another_residents_application_and_staff_only_their_scope(web):
    configure(web)
    sid = service_id(web)
    mine = signed_in(web)
    filed = apply(web, mine, sid)
    aid = re.search(r"/h5/affairs/([\w-]+)\?", filed.headers["location"]).group(1)
    with web.session() as s:
        fid = s.scalars(select(AffairFile.id)).one()
    other = signed_in(web, "13700009999")
    assert other.get(f"/h5/affairs/{aid}").status_code == 404
    assert other.get(f"/h5/affairs/{aid}/files/{fid}").status_code == 404
    assert "开具居住证明" not in other.get("/h5/affairs").text.split("我的办件")[1]
    page = other.get("/h5/affairs/report")
    assert other.post(f"/h5/affairs/{aid}/supply", data={"csrf_token": csrf(page.text)},
                      files=[("files", ("a.jpg", jpeg(), "image/jpeg"))],
                      follow_redirects=False).status_code == 404
    far = staff(web, "worker2")
    assert aid not in far.get("/admin/affairs?list=all").text
    assert far.get(f"/admin/affairs/{aid}").status_code == 404
    assert far.get(f"/admin/affairs/{aid}/files/{fid}").status_code == 404
    assert TestClient(web.app).get(f"/h5/affairs/{aid}", follow_redirects=False
                                   ).headers["location"] == "/h5/login"


def test_a_resident_write_without_its_csrf_token_is_refused_and_nothing_is_written(web):
    configure(web)
    client = signed_in(web)
    answer = client.post(f"/h5/affairs/apply/{service_id(web)}", data={
        "applicant": "张三", "phone": PHONE, "village_id": web.tree.id("v1"),
        "address": "幸福路 12 号"}, files=[("m0", ("id.jpg", jpeg(), "image/jpeg"))],
        follow_redirects=False)
    assert answer.status_code == 403
    assert counts(web) == (0, 0, 0)


def test_an_active_report_reaches_the_grid_workers_home_page_work_items(web):
    client = signed_in(web)
    page = client.get("/h5/affairs/report")
    data = {"csrf_token": csrf(page.text), "report_type": "", "details": "",
            "applicant": "李四", "phone": PHONE, "village_id": web.tree.id("v1"),
            "address": "幸福路 3 号"}
    bad = client.post("/h5/affairs/report", data=data, follow_redirects=False)
    assert bad.status_code == 422
    assert re.search(r'id="e-report_type" role="alert">请选择上报的情况类型', bad.text)
    assert re.search(r'id="e-details" role="alert">情况说明不能为空', bad.text)
    assert counts(web) == (0, 0, 0)
    ok = client.post("/h5/affairs/report", data={**data, "report_type": "family_change",
                                                 "details": "父亲住院，家中无人照看"},
                     follow_redirects=False)
    assert ok.status_code == 303
    home = staff(web, "worker1a").get("/admin/").text
    assert "待处理的居民主动上报" in home and "/admin/affairs?kind=report" in home
    worker = staff(web, "worker1a")
    listed = worker.get("/admin/affairs?kind=report").text
    assert "家庭变故" in listed and "李四" in listed
    aid = re.search(r'data-application="([\w-]+)"', listed).group(1)
    assert "父亲住院，家中无人照看" in worker.get(f"/admin/affairs/{aid}").text
    assert "家庭变故" not in staff(web, "worker1b").get("/admin/affairs?kind=report").text


def test_a_staff_step_without_its_note_is_refused_beside_the_field(web):
    configure(web)
    client = signed_in(web)
    filed = apply(web, client, service_id(web))
    aid = re.search(r"/h5/affairs/([\w-]+)\?", filed.headers["location"]).group(1)
    office = staff(web, "office1")
    refused = step(office, aid, "refuse", "")
    assert refused.status_code == 422
    assert re.search(r'id="e-note" role="alert">“不予办理”需要填写说明', refused.text)
    moved = step(office, aid, "transfer", "县级事权", "no-such-node")
    assert moved.status_code == 422 and 'id="e-target_id"' in moved.text
    assert counts(web)[1] == 1  # only the submission


TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",),
                                      blacklist_characters="\x00"), max_size=600)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(applicant=TEXT, phone=TEXT, address=TEXT, details=TEXT,
       village=st.sampled_from(["v1", "v2", "", "bogus"]),
       blob=st.binary(max_size=3000), report_type=st.sampled_from(["work_away", "", "<x>"]))
def test_hostile_input_on_the_resident_forms_never_gives_a_5xx_or_half_writes(
        web, applicant, phone, address, details, village, blob, report_type):
    if not hasattr(web, "_affairs_client"):
        configure(web)
        web._affairs_client = signed_in(web, "13700007777")
        web._affairs_sid = service_id(web)
    client = web._affairs_client
    village_id = web.tree.id(village) if village in ("v1", "v2") else village
    before = counts(web)
    answer = apply(web, client, web._affairs_sid, files=[("m0", ("x.jpg", blob, "image/jpeg"))],
                   applicant=applicant, phone=phone, address=address, details=details,
                   village_id=village_id)
    assert answer.status_code in (303, 400, 422, 429), answer.status_code
    after = counts(web)
    if answer.status_code == 303:
        assert after[0] == before[0] + 1 and after[2] == before[2] + 1
    else:
        assert after == before
    page = client.get("/h5/affairs/report")
    reported = client.post("/h5/affairs/report", data={
        "csrf_token": csrf(page.text), "report_type": report_type, "details": details,
        "applicant": applicant, "phone": phone, "village_id": village_id, "address": address},
        files=[("photos", ("p.jpg", blob, "image/jpeg"))], follow_redirects=False)
    assert reported.status_code in (303, 400, 422, 429), reported.status_code
    if reported.status_code != 303:
        assert counts(web)[0] == after[0]
