"""`python -m desktop.ledger`: the same jobs from a command line, asking nothing."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import openpyxl

from desktop.ledger.cli import main
from tests.desktop.assistant.builders import sheet_with_title, two_row_header_sheet
from tests.desktop.assistant.conftest import county, county_file  # noqa: F401 - fixtures

ROOT = Path(__file__).resolve().parents[3]


def test_complete_prints_the_mapping_and_the_counts_and_writes_a_new_file(county, tmp_path,
                                                                         capsys):
    url, c = county
    p = c.people[0]
    src = sheet_with_title(tmp_path / "in.xlsx", ["姓名", "身份证号", "联系方式", "工作单位"],
                           [[p["name"], p["id_number"], None, "县医院"]], footer=False)
    code = main(["complete", str(src), "-o", str(tmp_path / "out.xlsx"), "--database", url,
                 "--map", "工作单位=-", "--today", "2026-11-24"])
    out = capsys.readouterr().out
    assert code == 0
    assert "联系方式 → 联系电话（同义词）" in out
    assert "工作单位 → （不处理）（用户指定）" in out
    assert "匹配成功：1" in out
    ws = openpyxl.load_workbook(tmp_path / "out.xlsx")["花名册"]
    assert ws["C4"].value == p["phone"] and ws["D4"].value == "县医院"


def test_fill_takes_the_population_as_search_conditions(county, tmp_path, capsys):
    url, _ = county
    src = sheet_with_title(tmp_path / "in.xlsx", ["序号", "姓名", "年龄"], [], footer=False)
    code = main(["fill", str(src), "-o", str(tmp_path / "out.xlsx"), "--database", url,
                 "--age", "80-", "--today", "2026-11-24"])
    assert code == 0
    ws = openpyxl.load_workbook(tmp_path / "out.xlsx")["花名册"]
    ages = [ws.cell(r, 3).value for r in range(4, ws.max_row + 1) if ws.cell(r, 2).value]
    assert ages and min(ages) >= 80
    assert f"数据行：{len(ages)}" in capsys.readouterr().out


def test_an_unreadable_file_exits_non_zero_with_a_chinese_message(county, tmp_path):
    url, _ = county
    bad = tmp_path / "旧表.xls"
    bad.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    r = subprocess.run([sys.executable, "-m", "desktop.ledger", "check", str(bad), "-o",
                        str(tmp_path / "o.xlsx"), "--database", url], capture_output=True,
                       text=True, env=env, cwd=ROOT)
    assert r.returncode != 0
    assert "另存为 .xlsx" in r.stderr
    assert not (tmp_path / "o.xlsx").exists()


def test_check_against_the_database_reports_the_summary_counts(county, tmp_path, capsys):
    url, c = county
    p = c.people[1]
    rows = [[1, p["name"], p["id_number"], "女" if p["sex"] == "male" else "男", None, None, None,
             None]]
    src = two_row_header_sheet(tmp_path / "in.xlsx", rows)
    assert main(["check", str(src), "-o", str(tmp_path / "out.xlsx"), "--database", url]) == 0
    out = capsys.readouterr().out
    assert "与数据库不一致的单元格：1" in out and "表头在第 2-3 行" in out


def test_ledger_export_and_import_round_trip_through_a_local_profile(tmp_path, monkeypatch,
                                                                   capsys):
    import datetime as dt
    from desktop.storage.profiles import create_profile
    from sync_server.demo.core import generate
    monkeypatch.setenv("YZB_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("YZB_PASSWORD", "Demo@2026")
    profile = create_profile("wg_test", "Demo@2026", username="wg_test", user_id="u1")
    with profile.engine.begin() as conn:
        generate(conn, scale=0.01, seed=3, now=dt.datetime(2026, 11, 24, 9))
    profile.close()
    assert main(["types", "--profile", "wg_test"]) == 0
    assert "种植台账" in capsys.readouterr().out
    out = tmp_path / "crops.xlsx"
    assert main(["export", "crops", "-o", str(out), "--profile", "wg_test"]) == 0
    exported = int(capsys.readouterr().out.split()[1])
    wb = openpyxl.load_workbook(out)
    ws = wb.active
    ws.cell(ws.max_row + 1, 1, "不存在的户号")
    ws.cell(ws.max_row, 3, 2025)
    ws.cell(ws.max_row, 4, "葡萄")
    ws.cell(ws.max_row, 5, 3)
    wb.save(out)
    code = main(["import", "crops", str(out), "--profile", "wg_test"])
    captured = capsys.readouterr()
    assert code == 1  # some rows refused
    assert f"更新 {exported} 行" in captured.out
    assert f"第 {ws.max_row} 行：找不到户号" in captured.err
    from sqlalchemy import select
    from desktop.storage.local_log import OperationLog
    from desktop.storage.profiles import open_profile
    profile = open_profile("wg_test", "Demo@2026")
    with profile.sessions()() as s:
        logged = s.scalars(select(OperationLog)).all()
    profile.close()
    assert [(e.action, e.user_id, e.detail["rows"]) for e in logged] == [("export", "u1", exported)]


def test_ledger_import_into_the_servers_database_is_refused(county, tmp_path, capsys):
    url, _ = county
    from openpyxl import Workbook
    wb = Workbook()
    wb.active.append(["户号", "户主姓名", "年度"])
    wb.save(tmp_path / "x.xlsx")
    assert main(["import", "land", str(tmp_path / "x.xlsx"), "--database", url]) == 3
    assert "本机档案" in capsys.readouterr().err
