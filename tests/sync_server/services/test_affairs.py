"""Online affairs and active reporting on the server (services/affairs.py): an application goes
to the level its service names (the township or the grid of the resident's address), moves only
along common/affairs.py's table, every step lands in the history and the operation log, a sign
stores a real PDF; materials are checked (real images without EXIF, real PDFs, required ones
present) with nothing written on a refusal; a resident reaches only their own applications and
staff only those in scope; an active report reaches the grid worker's work items."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from sqlalchemy import func, select

from common import affairs as af
from common.errors import DomainError, ValidationError, ValidationErrors
from common.schema import User
from sync_server.db.affair_tables import AffairApplication, AffairFile, AffairStep
from sync_server.db.resident_tables import Resident
from sync_server.db.tables import OpLog
from sync_server.services import affair_handling, affairs
from sync_server.services.scope import Scope
from sync_server.services.todos import work_items
from tests.conftest import NOW


def jpeg() -> bytes:
    img = Image.new("RGB", (320, 240), (200, 120, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif)
    return out.getvalue()


def pdf() -> bytes:
    from sync_server.services.affair_documents import render_result
    return render_result(number="X", title="材料", applicant="张三", address="", village="",
                         unit="", signed_by="", filed_at=NOW, signed_at=NOW, note="")


SERVICE = {"name": "开具居住证明", "description": "用于子女入学等", "level": "township",
           "days": "5", "material_label": ["身份证照片", "租房合同", ""],
           "material_kind": ["photo", "pdf", "photo"], "material_required": ["0"]}


def resident(s, phone: str = "13700001234") -> Resident:
    row = Resident(id=f"r-{phone}", phone=phone, created_at=NOW, consent_version="1",
                   consent_at=NOW)
    s.add(row)
    s.flush()
    return row


def user(s, server, name: str) -> User:
    return s.get(User, server.tree.users[name].id)


def apply(s, server, who: Resident, service_id: str, files=None, **values):
    data = {"applicant": "张三", "phone": who.phone, "details": "孩子上学要用",
            "village_id": server.tree.id("v1"), "address": "幸福路 12 号", **values}
    return affairs.apply(s, who, service_id, files=files if files is not None else {
        0: affairs.Upload("id.jpg", jpeg())}, now=NOW, **data)


def count(s, entity) -> int:
    return s.scalar(select(func.count()).select_from(entity))


def test_the_county_configures_a_service_and_bad_input_names_each_field(server):
    with server.session() as s:
        admin = user(s, server, "admin")
        row = affairs.save_service(s, admin, SERVICE, now=NOW)
        assert row.materials == [{"label": "身份证照片", "kind": "photo", "required": True},
                                 {"label": "租房合同", "kind": "pdf", "required": False}]
        with pytest.raises(ValidationErrors) as err:
            affairs.save_service(s, admin, {**SERVICE, "level": "moon", "days": "0",
                                            "material_label": ["甲", "甲"]}, now=NOW)
        fields = {e.field: e.message() for e in err.value.errors}
        assert set(fields) == {"name", "level", "days", "materials"}
        assert "已有名为“开具居住证明”" in fields["name"]
        assert "1 至 60" in fields["days"]
        assert s.scalar(select(func.count()).select_from(OpLog).where(
            OpLog.action == "affair_service")) == 1


def test_an_application_goes_to_the_township_and_moves_through_the_table(server):
    with server.session() as s:
        service = affairs.save_service(s, user(s, server, "admin"), SERVICE, now=NOW)
        who = resident(s)
        row = apply(s, server, who, service.id)
        assert row.node_id == server.tree.id("t1") and row.grid_id == server.tree.id("g1a")
        assert row.due_at == NOW + dt.timedelta(days=5) and row.state == af.SUBMITTED
        stored = s.scalars(select(AffairFile)).one()
        assert Image.open(io.BytesIO(stored.data)).getexif().get(0x010F) is None
        office = user(s, server, "office1")
        scope = Scope.of(s, office)
        worker = user(s, server, "worker1a")
        # a grid worker sees it (their resident) but the township decides
        assert affair_handling.staff_view(s, Scope.of(s, worker), row.id, now=NOW).actions == []
        with pytest.raises(DomainError):
            affair_handling.act(s, Scope.of(s, worker), worker, row.id, "accept", note="", now=NOW)
        with pytest.raises(DomainError) as err:
            affair_handling.act(s, scope, office, row.id, "sign", note="", now=NOW)
        assert "不能“签发办结”" in err.value.message()
        with pytest.raises(ValidationErrors):
            affair_handling.act(s, scope, office, row.id, "ask", note="  ", now=NOW)
        affair_handling.act(s, scope, office, row.id, "ask", note="请补充户口本首页", now=NOW)
        assert row.state == af.SUPPLEMENT and row.asked == "请补充户口本首页"
        with pytest.raises(ValidationErrors):
            affairs.supply(s, who, row.id, files=[], note="", now=NOW)
        affairs.supply(s, who, row.id, files=[affairs.Upload("hk.pdf", pdf())], note="",
                       now=NOW)
        assert row.state == af.ACCEPTED and row.asked is None
        affair_handling.act(s, scope, office, row.id, "approve", note="", now=NOW)
        affair_handling.act(s, scope, office, row.id, "sign", note="请携带身份证领取原件", now=NOW)
        assert row.state == af.DONE and row.closed_at == NOW
        result = s.scalars(select(AffairFile).where(AffairFile.role == "result")).one()
        assert result.data.startswith(b"%PDF-") and result.mime == "application/pdf"
        steps = [x.action for x in s.scalars(select(AffairStep).order_by(AffairStep.id))]
        assert steps == ["submit", "ask", "supply", "approve", "sign"]
        assert s.scalar(select(func.count()).select_from(OpLog).where(
            OpLog.action == "affair")) == 5
        seen = affairs.resident_view(s, who, row.id, now=NOW)
        assert [x.by for x in seen.steps][1] == "托克逊镇"  # the unit, never a staff name
        assert "office1" not in {x.by for x in seen.steps}


def test_missing_and_wrong_materials_are_named_and_nothing_is_written(server):
    with server.session() as s:
        service = affairs.save_service(s, user(s, server, "admin"), SERVICE, now=NOW)
        who = resident(s)
        with pytest.raises(ValidationErrors) as err:
            apply(s, server, who, service.id, files={1: affairs.Upload("x.pdf", jpeg())},
                  applicant="", phone="12")
        fields = {e.field: e.message() for e in err.value.errors}
        assert fields["m0"] == "请上传“身份证照片”"
        assert fields["m1"] == "“租房合同”应为PDF 文件"
        assert {"applicant", "phone"} <= set(fields)
        with pytest.raises(ValidationErrors) as err:
            apply(s, server, who, service.id, files={0: affairs.Upload("a.jpg", b"%PDF-1.4 x")})
        assert err.value.errors[0].field == "m0"
        with pytest.raises(ValidationErrors) as err:
            apply(s, server, who, service.id, files={
                0: affairs.Upload("a.jpg", b"\xff\xd8" + b"0" * (affairs.MAX_FILE_BYTES + 1))})
        assert "文件过大" in err.value.errors[0].message()
        assert count(s, AffairApplication) == count(s, AffairFile) == count(s, AffairStep) == 0


def test_a_resident_and_staff_reach_only_what_is_theirs(server):
    with server.session() as s:
        service = affairs.save_service(s, user(s, server, "admin"), SERVICE, now=NOW)
        mine, other = resident(s), resident(s, "13700009999")
        row = apply(s, server, mine, service.id)
        with pytest.raises(DomainError):
            affairs.resident_view(s, other, row.id, now=NOW)
        file_id = s.scalars(select(AffairFile.id)).one()
        with pytest.raises(DomainError):
            affairs.resident_file(s, other, row.id, file_id)
        assert affairs.mine(s, other) == []
        far = Scope.of(s, user(s, server, "worker2"))
        assert affair_handling.staff_list(s, far, kind=None, which="all", now=NOW) == []
        with pytest.raises(DomainError):
            affair_handling.staff_view(s, far, row.id, now=NOW)
        near = Scope.of(s, user(s, server, "office1"))
        assert [r.row.id for r in affair_handling.staff_list(s, near, kind=None, which="all",
                                                     now=NOW)] == [row.id]


def test_a_transfer_moves_it_to_the_chosen_unit_which_alone_may_act_then(server):
    with server.session() as s:
        service = affairs.save_service(s, user(s, server, "admin"), SERVICE, now=NOW)
        row = apply(s, server, resident(s), service.id)
        office = user(s, server, "office1")
        with pytest.raises(ValidationErrors):
            affair_handling.act(s, Scope.of(s, office), office, row.id, "transfer",
                        note="请县民政局办理", target_id="nowhere", now=NOW)
        affair_handling.act(s, Scope.of(s, office), office, row.id, "transfer",
                    note="属于县级事权", target_id=server.tree.id("county"), now=NOW)
        assert row.node_id == server.tree.id("county") and row.state == af.SUBMITTED
        assert affair_handling.staff_view(s, Scope.of(s, office), row.id, now=NOW).actions == []
        admin = user(s, server, "admin")
        affair_handling.act(s, Scope.of(s, admin), admin, row.id, "refuse", note="材料不符", now=NOW)
        assert row.state == af.REFUSED


def test_an_active_report_reaches_the_grid_workers_work_items_and_is_overdue_later(server):
    with server.session() as s:
        who = resident(s)
        with pytest.raises(ValidationErrors) as err:
            affairs.report(s, who, report_type="x", applicant="李四", phone=who.phone,
                           details="", village_id=server.tree.id("v1"), address="幸福路 1 号",
                           photos=[], now=NOW)
        assert {e.field for e in err.value.errors} == {"report_type", "details"}
        row = affairs.report(s, who, report_type="work_away", applicant="李四",
                             phone=who.phone, details="儿子去乌鲁木齐务工",
                             village_id=server.tree.id("v1"), address="幸福路 1 号",
                             photos=[affairs.Upload("p.jpg", jpeg())], now=NOW)
        assert row.node_id == server.tree.id("g1a") and row.title == "外出务工"
        worker = user(s, server, "worker1a")
        items = {t.key: t for t in work_items(s, worker, now=NOW)}
        assert items["affairs_report"].count == 1 and items["affairs_overdue"].count == 0
        later = NOW + dt.timedelta(days=affairs.REPORT_DAYS, hours=1)
        items = {t.key: t for t in work_items(s, worker, now=later)}
        assert items["affairs_overdue"].count == 1 and items["affairs_overdue"].urgent
        listed = affair_handling.staff_list(s, Scope.of(s, worker), kind="report", which="overdue",
                                    now=later)
        assert [r.overdue for r in listed] == [True]
        other = user(s, server, "worker1b")
        assert {t.key: t for t in work_items(s, other, now=NOW)}["affairs_report"].count == 0
        with pytest.raises(DomainError):
            affair_handling.act(s, Scope.of(s, worker), worker, row.id, "approve", note="", now=NOW)
        affair_handling.act(s, Scope.of(s, worker), worker, row.id, "accept", note="", now=NOW)
        affair_handling.act(s, Scope.of(s, worker), worker, row.id, "close", note="已登记外出信息",
                    now=NOW)
        assert row.state == af.DONE


def test_a_grid_level_service_goes_to_the_grid_of_the_address_whose_worker_signs_it(server):
    with server.session() as s:
        service = affairs.save_service(s, user(s, server, "admin"), {
            **SERVICE, "name": "开具独生子女证明", "level": "grid"}, now=NOW)
        row = apply(s, server, resident(s), service.id)
        assert row.node_id == server.tree.id("g1a")
        worker = user(s, server, "worker1a")
        scope = Scope.of(s, worker)
        for action in ("accept", "approve", "sign"):
            affair_handling.act(s, scope, worker, row.id, action, note="", now=NOW)
        assert row.state == af.DONE
        other = user(s, server, "worker1b")
        with pytest.raises(DomainError):
            affair_handling.staff_view(s, Scope.of(s, other), row.id, now=NOW)


@settings(max_examples=60, deadline=None)
@given(blob=st.one_of(st.binary(max_size=4000),
                      st.builds(lambda tail: b"%PDF-1.7\n" + tail, st.binary(max_size=400)),
                      st.just(jpeg()), st.just(pdf())),
       kind=st.sampled_from(sorted(af.MATERIAL_KINDS)))
def test_any_file_is_either_refused_with_a_field_message_or_stored_as_a_clean_photo_or_pdf(
        blob, kind):
    try:
        data, mime = affairs.check_file(affairs.Upload("f", blob), label="材料", kind=kind,
                                        field="m0")
    except ValidationError as err:
        assert err.field == "m0" and "材料" in err.message()
        return
    if mime == "application/pdf":
        assert kind != "photo" and data.startswith(b"%PDF-") and b"%%EOF" in data[-2048:]
    else:
        assert mime == "image/jpeg" and kind != "pdf"
        with Image.open(io.BytesIO(data)) as img:
            assert img.format == "JPEG" and img.getexif().get(0x010F) is None


def test_a_resident_files_at_most_the_daily_limit_and_the_next_is_refused_unwritten(server):
    with server.session() as s:
        who = resident(s)

        def one():
            return affairs.report(s, who, report_type="other", applicant="李四",
                                  phone=who.phone, details="情况", address="幸福路 1 号",
                                  village_id=server.tree.id("v1"), photos=[], now=NOW)
        for _ in range(affairs.PER_RESIDENT_DAY):
            one()
        with pytest.raises(DomainError) as err:
            one()
        assert err.value.code == "affair_limit" and "每人每天最多 10 件" in err.value.message()
        assert count(s, AffairApplication) == affairs.PER_RESIDENT_DAY
