"""Results are saved whole or not at all, and never over an existing file without asking."""
from __future__ import annotations

import openpyxl
import pytest
from openpyxl import Workbook

from common.errors import DomainError
from desktop.assistant.files import check_output, save_workbook

from .builders import sheet_with_title
from .county import NOW, TODAY


def _unsaveable() -> Workbook:
    """A workbook whose save fails part-way, as a full disk or a crash would: the writer has
    already produced a zip header and some parts when it meets the bad cell."""
    wb = Workbook()
    for r in range(1, 200):
        wb.active.cell(r, 1, f"第{r}行")
    bad = wb.active.cell(200, 1)
    bad._value, bad.data_type = "不是日期", "d"  # the writer fails on it, mid-file
    return wb


def test_a_failed_save_leaves_the_existing_file_as_it_was_and_nothing_half_written(tmp_path):
    target = tmp_path / "结果.xlsx"
    before = Workbook()
    before.active["A1"] = "上个月的核对结果"
    before.save(target)
    content = target.read_bytes()
    with pytest.raises(AttributeError):
        save_workbook(_unsaveable(), target)
    assert target.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["结果.xlsx"]


def test_a_failed_save_to_a_new_name_leaves_no_file_at_all(tmp_path):
    with pytest.raises(AttributeError):
        save_workbook(_unsaveable(), tmp_path / "新结果.xlsx")
    assert list(tmp_path.iterdir()) == []


def test_a_save_replaces_the_file_whole(tmp_path):
    target = tmp_path / "结果.xlsx"
    target.write_bytes(b"old")
    wb = Workbook()
    wb.active["A1"] = "新"
    save_workbook(wb, target)
    assert openpyxl.load_workbook(target).active["A1"].value == "新"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["结果.xlsx"]


@pytest.mark.parametrize("make,code", [
    (lambda d: d / "没有的文件夹" / "out.xlsx", "output_folder_missing"),
    (lambda d: d, "output_is_folder"),
    (lambda d: (d / "有了.xlsx").write_bytes(b"x") and d / "有了.xlsx", "output_exists"),
])
def test_an_output_that_cannot_be_written_is_refused_before_any_work(tmp_path, make, code):
    with pytest.raises(DomainError) as e:
        check_output(make(tmp_path))
    assert e.value.code == code
    assert e.value.message() != code and "文件" in e.value.message()  # a sentence, not a code


def test_the_assistant_never_overwrites_an_existing_result_unless_told(county, service,
                                                                       tmp_path):
    _, c = county
    p = c.people[0]
    src = sheet_with_title(tmp_path / "in.xlsx", ["姓名", "身份证号", "联系电话"],
                           [[p["name"], p["id_number"], None]], footer=False)
    out = tmp_path / "out.xlsx"
    out.write_bytes(b"somebody's work")
    with pytest.raises(DomainError) as e:
        service.run("complete", service.inspect(src), out, today=TODAY, now=NOW)
    assert e.value.code == "output_exists" and "已存在" in e.value.message()
    assert out.read_bytes() == b"somebody's work"
    report = service.run("complete", service.inspect(src), out, today=TODAY, now=NOW,
                         overwrite=True)
    assert report.matched == 1
    assert openpyxl.load_workbook(out)["花名册"]["C4"].value == p["phone"]
