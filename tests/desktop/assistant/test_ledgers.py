"""Ledgers export to .xlsx and import back: bad rows reported with row number and reason, good
rows kept and queued for sync; a field an admin adds appears without code."""
from __future__ import annotations

import openpyxl
import pytest
from sqlalchemy import func, select

from common.dictionaries import label
from common.errors import DomainError
from common.ledger_types import ledger_type_id
from common.schema import Household, LedgerField, LedgerRow
from desktop.assistant.ledgers import export_ledger, import_ledger
from desktop.storage.tables import OutboxEntry

from .county import NOW


def _land_rows(s):
    return s.scalars(select(LedgerRow).where(LedgerRow.ledger_type_id == ledger_type_id("land"),
                                             LedgerRow.deleted.is_(False))).all()


def test_the_land_ledger_exports_one_row_per_record_with_labels_and_units(demo_client,
                                                                          tmp_path):
    with demo_client() as s:
        n = export_ledger(s, "土地台账", tmp_path / "land.xlsx")
        rows = _land_rows(s)
        sample = rows[0]
        hh_no = s.get(Household, sample.household_id).household_no
    assert n == len(rows) > 0
    ws = openpyxl.load_workbook(tmp_path / "land.xlsx").active
    header = [c.value for c in ws[1]]
    assert header[:4] == ["户号", "户主姓名", "年度", "耕地面积(亩)"]
    line = next(r for r in ws.iter_rows(min_row=2, values_only=True) if r[0] == hh_no)
    assert line[3] == sample.data["arable_area"]
    assert line[header.index("流转方式")] == label("land_transfer", sample.data["transfer_mode"])


def test_import_keeps_good_rows_and_reports_each_bad_row_with_its_reason(demo_client, tmp_path):
    with demo_client() as s:
        export_ledger(s, "land", tmp_path / "land.xlsx")
        before = len(_land_rows(s))
        spare = s.scalars(select(Household.household_no)
                          .where(Household.id.not_in([r.household_id for r in _land_rows(s)]))
                          ).first()
    wb = openpyxl.load_workbook(tmp_path / "land.xlsx")
    ws = wb.active
    header = [c.value for c in ws[1]]
    col = {h: i + 1 for i, h in enumerate(header)}
    ws.cell(2, col["耕地面积(亩)"], 12.5)                        # an update of row 2
    good_hh = ws.cell(2, 1).value
    last = ws.max_row
    bad = [["999999999", None, 2025, 3],                           # unknown household
           [spare, None, 2025, -4],                                # out of range
           [spare, None, "去年", 3],                               # bad year
           [spare, None, 2024, None],                              # required missing
           ]
    for i, row in enumerate(bad, start=last + 1):
        for j, v in enumerate(row, start=1):
            ws.cell(i, j, v)
    ws.cell(last + 2, col["流转方式"], "卖掉了")
    new_row = last + 5
    for j, v in enumerate([spare, None, 2025, 8], start=1):
        ws.cell(new_row, j, v)
    ws.cell(new_row, col["流转方式"], "出租")
    wb.save(tmp_path / "edited.xlsx")
    with demo_client() as s:
        report = import_ledger(s, "land", tmp_path / "edited.xlsx", now=NOW)
        s.commit()
        reasons = dict(report.errors)
        assert sorted(reasons) == [last + 1, last + 2, last + 3, last + 4]
        assert "找不到户号“999999999”" in reasons[last + 1]
        assert "耕地面积应在 0 到 500 之间" in reasons[last + 2]
        assert "流转方式“卖掉了”不在可选项中" in reasons[last + 2]
        assert "年度“去年”" in reasons[last + 3]
        assert "耕地面积不能为空" in reasons[last + 4]
        assert report.created == 1 and report.updated == before
        assert len(_land_rows(s)) == before + 1
        hh = s.scalar(select(Household).where(Household.household_no == good_hh))
        updated = s.scalar(select(LedgerRow).where(LedgerRow.household_id == hh.id,
                                                   LedgerRow.ledger_type_id ==
                                                   ledger_type_id("land")))
        assert updated.data["arable_area"] == 12.5
        new = s.scalar(select(LedgerRow).join(Household, Household.id == LedgerRow.household_id)
                       .where(Household.household_no == spare))
        assert new.data == {"arable_area": 8, "transfer_mode": "lease"}
        assert new.grid_id is not None
        queued = s.scalar(select(func.count()).select_from(OutboxEntry)
                          .where(OutboxEntry.entity == "ledger_rows"))
        assert queued == before + 1


def test_a_field_added_by_an_admin_is_exported_and_imported_without_code(demo_client,
                                                                          tmp_path):
    from desktop.storage.changes import record_change
    with demo_client() as s:
        record_change(s, LedgerField, None, {
            "ledger_type_id": ledger_type_id("livestock"), "code": "vaccinated",
            "label": "已免疫", "field_type": "bool", "unit": None, "dict_code": None,
            "required": False, "sort": 99}, now=NOW)
        s.commit()
        export_ledger(s, "养殖台账", tmp_path / "stock.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "stock.xlsx")
    ws = wb.active
    header = [c.value for c in ws[1]]
    assert header[-2:] == ["已免疫", "记录编号"]
    ws.cell(2, len(header) - 1, "是")
    wb.save(tmp_path / "stock2.xlsx")
    with demo_client() as s:
        report = import_ledger(s, "livestock", tmp_path / "stock2.xlsx", now=NOW)
        assert not report.errors
        s.commit()
        rows = s.scalars(select(LedgerRow).where(
            LedgerRow.ledger_type_id == ledger_type_id("livestock"))).all()
        assert sum(1 for r in rows if r.data.get("vaccinated") is True) == 1


def test_an_unknown_ledger_or_a_foreign_sheet_is_refused(demo_client, tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(["姓名", "身份证号"])
    wb.save(tmp_path / "x.xlsx")
    with demo_client() as s:
        with pytest.raises(DomainError) as e:
            import_ledger(s, "land", tmp_path / "x.xlsx", now=NOW)
        assert e.value.code == "ledger_bad_header"
        with pytest.raises(DomainError) as e:
            export_ledger(s, "宠物台账", tmp_path / "y.xlsx")
        assert e.value.code == "ledger_unknown_type"


def test_an_option_an_admin_added_to_a_ledger_dictionary_imports_and_exports_by_its_label(
        demo_client, tmp_path):
    from common.schema import DictEntry
    with demo_client() as s:
        # as a pull from the server brings it: the whole dictionary, with one entry more
        s.add(DictEntry(id="de-land-coop", dict_code="land_transfer", code="cooperative",
                        label="入社经营", sort=99, active=True, grid_id=None, rev=1,
                        field_clock={}, created_at=NOW, updated_at=NOW, deleted=False))
        for n, (code, text) in enumerate(
                [("none", "未流转"), ("lease", "出租"), ("subcontract", "转包"),
                 ("shareholding", "入股"), ("exchange", "互换")]):
            if not s.scalar(select(func.count()).select_from(DictEntry).where(
                    DictEntry.dict_code == "land_transfer", DictEntry.code == code)):
                s.add(DictEntry(id=f"de-land-{code}", dict_code="land_transfer", code=code,
                                label=text, sort=n, active=True, grid_id=None, rev=1,
                                field_clock={}, created_at=NOW, updated_at=NOW,
                                deleted=False))
        s.commit()
        export_ledger(s, "land", tmp_path / "land.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "land.xlsx")
    ws = wb.active
    header = [c.value for c in ws[1]]
    ws.cell(2, header.index("流转方式") + 1, "入社经营")
    record_id = ws.cell(2, len(header)).value
    wb.save(tmp_path / "land2.xlsx")
    with demo_client() as s:
        report = import_ledger(s, "land", tmp_path / "land2.xlsx", now=NOW)
        assert not report.errors
        s.commit()
        assert s.get(LedgerRow, record_id).data["transfer_mode"] == "cooperative"
        export_ledger(s, "land", tmp_path / "land3.xlsx")
    again = openpyxl.load_workbook(tmp_path / "land3.xlsx").active
    line = next(r for r in again.iter_rows(min_row=2, values_only=True) if r[-1] == record_id)
    assert line[header.index("流转方式")] == "入社经营"


def test_an_export_never_rescans_the_sheet_per_row(demo_client, tmp_path, monkeypatch):
    """openpyxl's max_row/max_column walk every cell of the sheet: asked once per row, they
    made a 20,000-row export take a minute (issue 17). Counted here rather than timed."""
    from openpyxl.worksheet.worksheet import Worksheet
    scans = []
    for name in ("max_row", "max_column"):
        original = getattr(Worksheet, name)
        monkeypatch.setattr(Worksheet, name, property(
            lambda ws, original=original: scans.append(1) or original.fget(ws)))
    with demo_client() as s:
        n = export_ledger(s, "land", tmp_path / "land.xlsx")
    assert n > 20
    assert len(scans) < 5
