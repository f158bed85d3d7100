"""Reading files as they arrive: .xls, password-protected, corrupt and CSV files; headers."""
from __future__ import annotations

import pytest
from openpyxl import Workbook

from common.errors import DomainError
from desktop.assistant.sheets import open_workbook, pick_table

from .county import NOW, TODAY

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@pytest.mark.parametrize("name,content,code", [
    ("old.xls", OLE + b"\x00" * 600 + b"Workbook", "sheet_xls"),
    ("locked.xlsx", OLE + b"\x00" * 600 + "EncryptionInfo".encode("utf-16-le"),
     "sheet_encrypted"),
    ("broken.xlsx", b"PK\x03\x04 this is not really a zip", "sheet_corrupt"),
    ("text.xlsx", "姓名,身份证号".encode(), "sheet_corrupt"),
])
def test_files_it_cannot_read_are_refused_with_a_clear_chinese_message(tmp_path, name, content,
                                                                       code):
    (tmp_path / name).write_bytes(content)
    with pytest.raises(DomainError) as e:
        open_workbook(tmp_path / name)
    assert e.value.code == code
    assert name in e.value.message()


def test_a_csv_in_gbk_is_read_and_its_id_numbers_stay_text(county, service, tmp_path):
    _, c = county
    p = c.people[0]
    (tmp_path / "名单.csv").write_bytes(f"姓名,身份证号,民族\n{p['name']},{p['id_number']},\n"
                                        .encode("gb18030"))
    plan = service.inspect(tmp_path / "名单.csv")
    assert [col.field for col in plan.columns] == ["name", "id_number", "ethnicity"]
    report = service.run("complete", plan, tmp_path / "out.xlsx", today=TODAY, now=NOW)
    assert report.matched == 1 and report.filled_cells == 1


def test_a_sheet_without_any_recognisable_header_is_refused(tmp_path):
    wb = Workbook()
    wb.active.append(["甲", "乙", "丙"])
    wb.active.append([1, 2, 3])
    wb.save(tmp_path / "x.xlsx")
    with pytest.raises(DomainError) as e:
        pick_table(open_workbook(tmp_path / "x.xlsx"))
    assert e.value.code == "sheet_no_header"


def test_the_first_sheet_with_a_table_is_chosen_and_blank_and_total_rows_are_skipped(tmp_path):
    wb = Workbook()
    wb.active.title = "封面"
    wb.active["A1"] = "2026年度统计报表"
    ws = wb.create_sheet("数据")
    ws.append(["序号", "姓名", "身份证号", "联系电话"])
    ws.append([1, "张三", "x", None])
    ws.append([None, None, None, None])
    ws.append(["小计", None, None, None])
    ws.append([2, "李四", None, None])
    ws.append(["合计", "2人", None, None])
    wb.save(tmp_path / "x.xlsx")
    t = pick_table(open_workbook(tmp_path / "x.xlsx"))
    assert t.sheet == "数据" and t.data_rows == [2, 5]
    assert t.skipped == {"blank": 1, "total": 2, "footer": 0, "example": 0}


def test_the_result_never_overwrites_the_users_file(county, service, tmp_path):
    wb = Workbook()
    wb.active.append(["姓名", "身份证号"])
    wb.active.append(["张三", None])
    wb.save(tmp_path / "x.xlsx")
    with pytest.raises(DomainError) as e:
        service.run("complete", service.inspect(tmp_path / "x.xlsx"), tmp_path / "x.xlsx",
                    today=TODAY, now=NOW)
    assert e.value.code == "sheet_same_output"
