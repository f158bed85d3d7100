"""Batch import with review (services/imports.py) over realistic township sheets: every row's
class and reason, the review by the level above, the register afterwards with each record's
source, and a failure in the middle leaving the register unchanged."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from common.errors import DomainError, ValidationErrors
from common.schema import Person
from sync_server.db.import_tables import ImportRow
from sync_server.db.tables import OpLog
from sync_server.services import imports
from sync_server.services.records import create_record
from sync_server.services.scope import Scope
from tests.conftest import NOW
from tests.factories import make_id_number, make_person, with_wrong_check_digit
from tests.import_sheets import government_csv, government_xlsx, person_row

G1A, G1B, G2 = "团结社区第一网格", "团结社区第二网格", "南湖村第一网格"


def _scope(s, server, username):
    return Scope.of(s, server.tree.users[username])


def _user(s, server, username):
    return s.merge(server.tree.users[username])


def _register(server, username, grid_key, **values):
    with server.session() as s:
        row = create_record(s, _scope(s, server, username), _user(s, server, username), Person,
                            make_person(server.tree.id(grid_key), **values), now=NOW)
        s.commit()
        return row.id


def _preview(server, username, data, filename="人口信息.xlsx", default_grid=None):
    with server.session() as s:
        batch = imports.preview(s, _scope(s, server, username), _user(s, server, username),
                                filename=filename, data=data, default_grid_id=default_grid,
                                now=NOW)
        s.commit()
        rows = {r.row_no: r for r in s.scalars(select(ImportRow).where(
            ImportRow.batch_id == batch.id))}
        return batch.id, rows


def _people(server):
    with server.session() as s:
        return s.scalar(select(func.count()).select_from(Person))


@pytest.fixture
def sheet(server):
    """A township office's sheet with one row of every class (rows 4.. of the sheet)."""
    known = make_id_number("19700304", sex="female")
    _register(server, "admin", "g1a", id_number=known, name="古丽", phone="13900001111")
    elsewhere = make_id_number("19850101")
    _register(server, "admin", "g2", id_number=elsewhere, name="阿不都")
    moved = make_id_number("19900101")
    _register(server, "admin", "g1b", id_number=moved, name="热依拉")
    dup = make_id_number("19920202")
    new1, new2 = make_id_number("19800101"), make_id_number("20010101", sex="female")
    float_damaged = float("1.23456789012346E+17")
    rows = [
        person_row("买买提·艾力", new1, sex="男", birth="1980-01-01", grid=G1A, phone="13812345678"),
        person_row("张三", with_wrong_check_digit(make_id_number()), grid=G1A),
        person_row("李四", dup, grid=G1A),
        person_row("李四", dup, grid=G1B),
        person_row("阿不都", elsewhere, grid=G1A),
        person_row("王五", float_damaged, grid=G1A),
        person_row("古丽", known, grid=G1A, phone="13900002222", address="团结路 8 号",
                   ethnicity="维吾尔族"),
        person_row("赵六", make_id_number(), grid=G2),
        person_row("孙七", make_id_number("19750607"), birth="1975年13月", grid=G1A),
        person_row("钱八", make_id_number(), grid=G1A, ethnicity="火星族"),
        person_row("热依拉", moved, grid=G1A),
        person_row("周九", new2, birth="2001/1/1", grid=""),
    ]
    return government_xlsx(rows), {"new1": new1, "new2": new2, "known": known}


def test_preview_classifies_every_row_with_its_reason(server, sheet):
    data, ids = sheet
    _, rows = _preview(server, "office1", data, default_grid=server.tree.id("g1b"))
    kinds = {n: r.kind for n, r in rows.items()}
    assert kinds == {4: "new", 5: "invalid", 6: "duplicate", 7: "duplicate", 8: "other_grid",
                     9: "invalid", 10: "update", 11: "out_of_scope", 12: "invalid",
                     13: "invalid", 14: "update", 15: "new"}
    assert "校验位错误" in rows[5].problems[0]["message"]
    assert rows[5].problems[0]["column"] == "C列（基本信息/身份证号码）"
    assert "第 7 行" in rows[6].problems[0]["message"] and "第 6 行" in rows[7].problems[0]["message"]
    assert "需由该网格发起或审批认领" in rows[8].problems[0]["message"]
    assert "存成了数字" in rows[9].problems[0]["message"]
    assert rows[10].changes == {"phone": ["13900001111", "13900002222"],
                                "address": ["（空）", "团结路 8 号"]}
    assert "不在您的管辖范围内" in rows[11].problems[0]["message"]
    assert rows[12].problems[0]["column"].startswith("E列") and "1975年13月" in \
        rows[12].problems[0]["message"]
    assert "火星族" in rows[13].problems[0]["message"]
    # a different grid inside the uploader's scope: written as a transfer the grid approves
    assert rows[14].changes["grid_id"] == ["团结社区第二网格",
                                           "团结社区第一网格（提交人员转移申请，须该网格审核）"]
    assert rows[15].grid_id == server.tree.id("g1b")  # no grid in the row: the default grid


def test_review_some_writes_approved_rows_with_their_source(server, sheet):
    data, ids = sheet
    batch_id, rows = _preview(server, "office1", data, default_grid=server.tree.id("g1b"))
    with server.session() as s:
        with pytest.raises(DomainError) as e:  # the uploader never reviews their own batch
            imports.submit(s, _scope(s, server, "office1"), _user(s, server, "office1"),
                           batch_id, now=NOW)
            imports.review(s, _scope(s, server, "office1"), _user(s, server, "office1"),
                           batch_id, decision="all", now=NOW)
        assert e.value.code == "import_not_reviewer"
        s.commit()
    with server.session() as s:
        with pytest.raises(ValidationErrors):  # refusing rows needs a reason
            imports.review(s, _scope(s, server, "admin"), _user(s, server, "admin"), batch_id,
                           decision="some", approved_rows={rows[4].id, rows[10].id}, now=NOW)
        s.rollback()
        batch = imports.review(s, _scope(s, server, "admin"), _user(s, server, "admin"),
                               batch_id, decision="some",
                               approved_rows={rows[4].id, rows[10].id},
                               reason="周九户籍未核实", now=NOW)
        s.commit()
        assert batch.state == "partly_approved"
    with server.session() as s:
        people = {p.id_number: p for p in s.scalars(select(Person))}
        assert people[ids["new1"]].grid_id == server.tree.id("g1a")
        assert people[ids["new1"]].name == "买买提·艾力"
        assert people[ids["known"]].phone == "13900002222"
        assert ids["new2"] not in people
        refused = s.get(ImportRow, rows[15].id)
        assert (refused.decision, refused.reason) == ("refused", "周九户籍未核实")
        logs = s.scalars(select(OpLog).where(OpLog.record_id.in_(
            [people[ids["new1"]].id, people[ids["known"]].id]))).all()
        sources = {log.action: log.details["source"] for log in logs if "source" in log.details}
        assert sources["create"] == {"kind": "import", "batch": batch_id, "file": "人口信息.xlsx",
                                     "row": 4, "uploader": "office1", "reviewer": "admin"}
        assert sources["update"]["row"] == 10


def test_a_failure_in_the_middle_leaves_the_register_unchanged(server, sheet):
    data, ids = sheet
    batch_id, rows = _preview(server, "office1", data, default_grid=server.tree.id("g1b"))
    with server.session() as s:
        imports.submit(s, _scope(s, server, "office1"), _user(s, server, "office1"), batch_id,
                       now=NOW)
        s.commit()
    # between preview and review someone registers the person of the last new row
    _register(server, "admin", "g1b", id_number=ids["new2"], name="周九")
    before = _people(server)
    with server.session() as s:
        with pytest.raises(DomainError) as e:
            imports.review(s, _scope(s, server, "admin"), _user(s, server, "admin"), batch_id,
                           decision="all", now=NOW)
        s.rollback()
    assert e.value.code == "import_row_failed" and e.value.params["row"] == 15
    assert "第 15 行入库失败" in e.value.message()
    assert _people(server) == before
    with server.session() as s:
        people = {p.id_number: p for p in s.scalars(select(Person))}
        assert ids["new1"] not in people and people[ids["known"]].phone == "13900001111"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gbk"])
def test_csv_in_utf8_and_gbk(server, encoding):
    number = make_id_number("19660606")
    data = government_csv([person_row("艾尔肯·吐尔逊", number, grid=G1A, birth="1966.6.6")],
                          encoding=encoding)
    _, rows = _preview(server, "office1", data, filename="名单.csv")
    assert [(r.kind, r.name, r.id_number) for r in rows.values()] == [
        ("new", "艾尔肯·吐尔逊", number)]


def test_a_township_cannot_import_into_another_township(server):
    with server.session() as s:
        with pytest.raises(ValidationErrors) as e:
            imports.check_upload(s, _scope(s, server, "office1"), filename="a.xlsx",
                                 data=government_xlsx([]), default_grid_id=server.tree.id("g2"))
    assert e.value.errors[0].field == "default_grid_id"
    _, rows = _preview(server, "office1", government_xlsx(
        [person_row("赵六", make_id_number(), grid=G2)]))
    assert [r.kind for r in rows.values()] == ["out_of_scope"]
    _, rows = _preview(server, "admin", government_xlsx(
        [person_row("赵六", make_id_number(), grid=G2)]))
    assert [r.kind for r in rows.values()] == ["new"]


def test_unreadable_files_are_refused_with_their_name(server):
    with server.session() as s:
        for data, name, code in ((b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "旧表.xls", "sheet_xls"),
                                 (b"not a zip", "坏.xlsx", "sheet_corrupt"),
                                 (b"", "空.xlsx", "import_no_file")):
            with pytest.raises(ValidationErrors) as e:
                imports.check_upload(s, _scope(s, server, "office1"), filename=name, data=data,
                                     default_grid_id=None)
            assert e.value.errors[0].code == code and e.value.errors[0].field == "file"


def test_approve_all_except_the_marked_rows(server, sheet):
    data, ids = sheet
    batch_id, rows = _preview(server, "office1", data, default_grid=server.tree.id("g1b"))
    with server.session() as s:
        imports.submit(s, _scope(s, server, "office1"), _user(s, server, "office1"), batch_id,
                       now=NOW)
        batch = imports.review(s, _scope(s, server, "admin"), _user(s, server, "admin"),
                               batch_id, decision="except", approved_rows={rows[15].id},
                               reason="周九待核实", now=NOW)
        s.commit()
        assert batch.state == "partly_approved"
    with server.session() as s:
        people = {p.id_number: p for p in s.scalars(select(Person))}
        assert ids["new1"] in people and ids["new2"] not in people
        assert people[ids["known"]].phone == "13900002222"
        decisions = {r.row_no: (r.decision, r.applied) for r in s.scalars(
            select(ImportRow).where(ImportRow.batch_id == batch_id))}
        assert decisions[4] == ("approved", True) and decisions[10] == ("approved", True)
        assert decisions[15] == ("refused", False)
        # 热依拉 was added by the county and is still held (待审核): not in the register yet,
        # so the sheet's grid applies and the review follows her there
        assert decisions[14] == ("approved", True)
        moved = s.scalar(select(Person).where(Person.name == "热依拉"))
        assert (moved.grid_id, moved.status) == (server.tree.id("g1a"), "pending")
        assert decisions[5] == (None, False)  # an invalid row is never decided or written
