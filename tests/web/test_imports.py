"""Batch import pages over plain HTTP: upload, the preview job, the paged preview filtered by
class, submit, review by the county (approve some, with a reason), the register afterwards;
bad uploads answered beside the field; scope and who may review."""
from __future__ import annotations

import re
import time

from fastapi.testclient import TestClient
from sqlalchemy import select

from common.schema import Person, WorkRequest
from sync_server.db.tables import OpLog
from sync_server.services.records import create_record
from sync_server.services.scope import Scope
from tests.factories import make_id_number, make_person, with_wrong_check_digit
from tests.import_sheets import government_xlsx, person_row
from tests.web.conftest import csrf_of, sign_in

G1A, G2 = "团结社区第一网格", "南湖村第一网格"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _browser(web, username: str) -> TestClient:
    client = TestClient(web.app)
    assert sign_in(client, username).status_code == 303
    return client


def _upload(client: TestClient, data: bytes, name: str = "团结社区人口.xlsx", grid: str = ""):
    token = csrf_of(client.get("/admin/imports").text)
    return client.post("/admin/imports", data={"csrf_token": token, "default_grid_id": grid},
                       files={"file": (name, data, XLSX)}, follow_redirects=False)


def _preview(client: TestClient, data: bytes) -> str:
    """Upload, wait for the job, and answer the batch page's address."""
    answer = _upload(client, data)
    assert answer.status_code == 303, answer.text
    job = answer.headers["location"]
    for _ in range(300):
        html = client.get(job + "/progress").text
        if "查看导入预览" in html or 'role="alert"' in html:
            break
        time.sleep(0.1)
    link = re.search(r'href="(/admin/imports/[^"]+)">查看导入预览', html)
    assert link, html
    return link.group(1)


def test_upload_preview_submit_review_some(web):
    with web.session() as s:
        admin = s.merge(web.tree.users["admin"])
        known = make_id_number("19700304", sex="female")
        create_record(s, Scope.of(s, admin), admin, Person,
                      make_person(web.tree.id("g1a"), id_number=known, name="古丽",
                                  phone="13900001111"), now=web.clock())
        s.commit()
    new1, new2 = make_id_number("19800101"), make_id_number("19810101")
    data = government_xlsx([
        person_row("买买提·艾力", new1, grid=G1A),
        person_row("努尔", new2, grid=G1A),
        person_row("张三", with_wrong_check_digit(make_id_number()), grid=G1A),
        person_row("古丽", known, grid=G1A, phone="13900002222", ethnicity="维吾尔族"),
        person_row("赵六", make_id_number(), grid=G2),
    ] + [person_row(f"居民{i}", make_id_number("19900101"), grid=G1A) for i in range(60)])
    office = _browser(web, "office1")
    batch = _preview(office, data)
    page = office.get(batch).text
    assert "新增人员（62）" in page and "有错误（1）" in page and "超出管辖范围（1）" in page
    assert "共 65 条，第 1 / 2 页" in page
    invalid = office.get(batch + "?kind=invalid").text
    assert "C列（基本信息/身份证号码）" in invalid and "校验位错误" in invalid
    update = office.get(batch + "?kind=update").text
    assert "联系电话：139****1111 → 139****2222" in update  # masked as in the lists
    assert new1 not in page  # ID numbers are masked on the page
    # the uploader cannot review their own batch
    assert "提交审核结果" not in page
    token = csrf_of(page)
    assert office.post(batch + "/submit", data={"csrf_token": token},
                       follow_redirects=False).status_code == 303
    assert office.post(batch + "/review", data={"csrf_token": token, "decision": "all"}
                       ).status_code == 403

    county = _browser(web, "admin")
    assert "团结社区人口.xlsx" in county.get("/admin/imports/reviews").text
    review = county.get(batch + "?kind=new").text
    ids = dict((name, row_id) for row_id, name in re.findall(
        r'name="row" value="(\d+)" form="review" aria-label="勾选第 (\d+) 行"', review))
    token = csrf_of(review)
    # refusing rows needs a reason: 422 beside the field, nothing written
    bad = county.post(batch + "/review", data={"csrf_token": token, "decision": "some",
                                               "row": [ids["4"]]})
    assert bad.status_code == 422 and "不通过的理由不能为空" in bad.text
    with web.session() as s:
        assert s.scalar(select(Person).where(Person.id_number == new1)) is None
    ok = county.post(batch + "/review", data={"csrf_token": token, "decision": "some",
                                              "row": [ids["4"]], "reason": "其余待核实"},
                     follow_redirects=False)
    assert ok.status_code == 303
    done = county.get(batch).text
    assert "部分通过" in done and "不通过：其余待核实" in done
    with web.session() as s:
        person = s.scalar(select(Person).where(Person.id_number == new1))
        assert person.grid_id == web.tree.id("g1a")
        # reviewed once (入库审核): in the register at once, no second population review
        assert person.status == "normal"
        assert s.scalar(select(WorkRequest.id).where(WorkRequest.subject_id == person.id)) \
            is None
        assert s.scalar(select(Person).where(Person.id_number == new2)) is None
        log = s.scalar(select(OpLog).where(OpLog.record_id == person.id,
                                           OpLog.action == "create"))
        assert log.details["source"]["row"] == 4
        assert log.details["source"]["file"] == "团结社区人口.xlsx"
        person_id = person.id
    # the person's change history names the source: file, row, uploader
    history = office.get(f"/admin/registry/people/{person_id}").text
    assert "批量导入：团结社区人口.xlsx 第 4 行，上传人 office1，审核人 admin" in history


def test_bad_uploads_are_answered_beside_the_field(web):
    office = _browser(web, "office1")
    answer = _upload(office, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1....", name="旧表.xls")
    assert answer.status_code == 422 and "另存为 .xlsx" in answer.text and 'id="e-file"' in answer.text
    other = _upload(office, government_xlsx([]), grid=web.tree.id("g2"))
    assert other.status_code == 422 and 'id="e-default_grid_id"' in other.text
    job = _upload(office, b"\xef\xbb\xbf\xe5\xa4\x87\xe6\xb3\xa8\n1\n", name="无表头.csv")
    html = ""
    for _ in range(100):
        html = office.get(job.headers["location"] + "/progress").text
        if 'role="alert"' in html:
            break
        time.sleep(0.1)
    assert "找不到可识别的表头" in html


def test_grid_workers_have_no_import_page(web):
    worker = _browser(web, "worker1a")
    assert worker.get("/admin/imports").status_code == 403


def test_a_row_failing_mid_review_writes_nothing_and_says_which(web):
    first, second, third = (make_id_number("19700101"), make_id_number("19710101"),
                            make_id_number("19720101"))
    office = _browser(web, "office1")
    batch = _preview(office, government_xlsx([person_row("甲", first, grid=G1A),
                                              person_row("乙", second, grid=G1A),
                                              person_row("丙", third, grid=G1A)]))
    office.post(batch + "/submit", data={"csrf_token": csrf_of(office.get(batch).text)})
    # meanwhile a worker registers the second person by hand
    with web.session() as s:
        admin = s.merge(web.tree.users["admin"])
        create_record(s, Scope.of(s, admin), admin, Person,
                      make_person(web.tree.id("g1a"), id_number=second, name="乙"),
                      now=web.clock())
        s.commit()
    county = _browser(web, "admin")
    answer = county.post(batch + "/review", data={"csrf_token": csrf_of(county.get(batch).text),
                                                  "decision": "all"})
    assert answer.status_code == 409
    assert "第 5 行入库失败" in answer.text and "未写入任何数据" in answer.text
    with web.session() as s:
        assert s.scalar(select(Person).where(Person.id_number == first)) is None
        assert s.scalar(select(Person).where(Person.id_number == third)) is None
    assert "待审核" in county.get(batch).text
    # refusing the whole batch writes nothing and keeps the reason
    none = county.post(batch + "/review", data={"csrf_token": csrf_of(county.get(batch).text),
                                                "decision": "none", "reason": "与手工登记重复"},
                       follow_redirects=False)
    assert none.status_code == 303
    page = county.get(batch).text
    assert "未通过" in page and "不通过：与手工登记重复" in page
    with web.session() as s:
        assert s.scalar(select(Person).where(Person.id_number == first)) is None


def test_batches_stay_in_their_scope_and_uploads_need_the_form_token(web):
    county = _browser(web, "admin")
    batch = _preview(county, government_xlsx([person_row("丁", make_id_number(), grid=G2)]))
    office = _browser(web, "office1")
    assert office.get(batch).status_code == 404  # uploaded above the township: not theirs
    assert "团结社区人口.xlsx" not in office.get("/admin/imports/reviews").text
    forged = office.post("/admin/imports", data={"default_grid_id": ""},
                         files={"file": ("a.xlsx", government_xlsx([]), XLSX)},
                         follow_redirects=False)
    assert forged.status_code == 403
