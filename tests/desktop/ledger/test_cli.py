"""`python -m desktop.ledger`: the same jobs from a command line, asking nothing."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

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


def test_fill_prints_the_conditions_it_used_status_included(county, tmp_path, capsys):
    url, _ = county
    src = sheet_with_title(tmp_path / "in.xlsx", ["序号", "姓名", "年龄"], [], footer=False)
    assert main(["fill", str(src), "-o", str(tmp_path / "out.xlsx"), "--database", url,
                 "--age", "65-", "--sex", "男", "--today", "2026-11-24"]) == 0
    out = capsys.readouterr().out
    assert "人群条件：性别：男；年龄：65岁及以上；人员状态：正常" in out


def _cli(args: list[str], *, env: dict | None = None, stdin=subprocess.DEVNULL):  # noqa: ANN001
    """The command as a user runs it: its own process, no terminal on stdin."""
    full = {k: v for k, v in os.environ.items() if k != "YZB_PASSWORD"}
    full.update({"PYTHONPATH": str(ROOT), **(env or {})})
    return subprocess.run([sys.executable, "-m", "desktop.ledger", *args], capture_output=True,
                          text=True, env=full, cwd=ROOT, stdin=stdin, timeout=120)


def _one_chinese_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr  # no traceback
    assert "Traceback" not in stderr and lines[0].startswith(("错误：", "参数错误："))
    return lines[0]


def _roster(tmp_path: Path, c, name: str = "in.xlsx") -> Path:  # noqa: ANN001
    p = c.people[0]
    return sheet_with_title(tmp_path / name, ["姓名", "身份证号", "联系电话"],
                            [[p["name"], p["id_number"], None]], footer=False)


@pytest.mark.parametrize("renamed", ["名单.xls", "名单"])
def test_an_xlsx_renamed_xls_or_without_an_extension_is_read_by_its_content(county, tmp_path,
                                                                            renamed):
    url, c = county
    src = _roster(tmp_path, c)
    src.rename(tmp_path / renamed)
    r = _cli(["complete", str(tmp_path / renamed), "-o", str(tmp_path / "out.xlsx"),
              "--database", url])
    assert r.returncode == 0, r.stderr
    assert "匹配成功：1" in r.stdout


def test_an_existing_output_is_refused_unless_overwrite_is_given(county, tmp_path, capsys):
    url, c = county
    src = _roster(tmp_path, c)
    out = tmp_path / "out.xlsx"
    out.write_bytes(b"last month")
    assert main(["complete", str(src), "-o", str(out), "--database", url]) == 4
    assert "已存在" in capsys.readouterr().err and out.read_bytes() == b"last month"
    assert main(["complete", str(src), "-o", str(out), "--database", url, "--overwrite"]) == 0
    assert openpyxl.load_workbook(out)["花名册"]["C4"].value == c.people[0]["phone"]


def test_a_missing_output_folder_is_said_before_the_password_is_asked(county, tmp_path):
    _, c = county
    src = _roster(tmp_path, c)
    r = _cli(["check", str(src), "-o", str(tmp_path / "没有" / "out.xlsx"), "--profile", "wg_x"],
             env={"YZB_HOME": str(tmp_path / "home")})
    assert r.returncode == 4
    assert "文件夹不存在" in _one_chinese_line(r.stderr)


def test_a_missing_database_file_is_refused_and_not_created(county, tmp_path):
    _, c = county
    src = _roster(tmp_path, c)
    missing = tmp_path / "没有这个.db"
    r = _cli(["check", str(src), "-o", str(tmp_path / "out.xlsx"), "--database",
              f"sqlite:///{missing}"])
    assert r.returncode == 5
    assert "找不到数据库文件" in _one_chinese_line(r.stderr)
    assert not missing.exists() and not (tmp_path / "out.xlsx").exists()


def test_a_file_that_is_not_a_database_is_said_in_one_line(county, tmp_path):
    _, c = county
    src = _roster(tmp_path, c)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    r = _cli(["check", str(src), "-o", str(tmp_path / "out.xlsx"), "--database",
              f"sqlite:///{junk}"])
    assert r.returncode == 5
    assert "无法打开数据库" in _one_chinese_line(r.stderr)


def test_no_password_and_no_terminal_is_a_message_and_the_input_is_checked_first(tmp_path,
                                                                                 monkeypatch):
    from desktop.storage.profiles import create_profile
    home = tmp_path / "home"
    monkeypatch.setenv("YZB_HOME", str(home))
    create_profile("wg_np", "Demo@2026", username="wg_np", user_id="u1").close()
    env = {"YZB_HOME": str(home)}
    bad = tmp_path / "旧表.xls"
    bad.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    r = _cli(["check", str(bad), "-o", str(tmp_path / "o.xlsx"), "--profile", "wg_np"], env=env)
    assert r.returncode == 3 and "另存为 .xlsx" in _one_chinese_line(r.stderr)
    good = sheet_with_title(tmp_path / "in.xlsx", ["姓名", "身份证号"], [["张三", None]],
                            footer=False)
    r = _cli(["check", str(good), "-o", str(tmp_path / "o.xlsx"), "--profile", "wg_np"], env=env)
    assert r.returncode == 5
    assert "YZB_PASSWORD" in _one_chinese_line(r.stderr)
    r = _cli(["check", str(good), "-o", str(tmp_path / "o.xlsx"), "--profile", "wg_nobody"],
             env=env)
    assert r.returncode == 5 and "wg_nobody" in _one_chinese_line(r.stderr)


def test_a_usage_error_is_one_chinese_line_with_exit_code_2(tmp_path):
    r = _cli(["check", str(tmp_path / "x.xlsx"), "--database", "sqlite:///x.db"])
    assert r.returncode == 2
    assert "缺少必需的参数" in _one_chinese_line(r.stderr)


def test_every_exit_code_is_in_the_help_and_in_the_client_docs():
    from desktop.ledger.cli import EXIT_CODES, _parser
    text = _parser().format_help()
    assert text.startswith("用法：") and "options:" not in text and "show this help" not in text
    docs = (ROOT / "docs" / "CLIENT.md").read_text(encoding="utf-8")
    for code, meaning in EXIT_CODES:
        assert f"{code:>3}  {meaning}" in text
        assert f"| {code} | {meaning} |" in docs


def _subsidy_sheet(tmp_path: Path, c, id_header: str) -> tuple[Path, list]:  # noqa: ANN001
    people = c.people[:3]
    rows = [[p["id_number"], 1200, None] for p in people]
    stranger = "65010219800101001"
    from common.validation import id_check_digit
    rows.append([stranger + id_check_digit(stranger), 800, None])
    src = sheet_with_title(tmp_path / "补贴.xlsx", [id_header, "补贴金额（元）", "领取人签字"],
                           rows, title="2026年高龄补贴发放表", footer=False, extra_sheet=False)
    return src, people


def test_a_sheet_with_only_an_id_column_is_checked(county, tmp_path, capsys):
    url, c = county
    src, _ = _subsidy_sheet(tmp_path, c, "身份证号码")
    assert main(["check", str(src), "-o", str(tmp_path / "out.xlsx"), "--database", url]) == 0
    out = capsys.readouterr().out
    assert "身份证号码 → 公民身份号码" in out
    assert "匹配成功：3" in out and "未找到：1" in out
    ws = openpyxl.load_workbook(tmp_path / "out.xlsx")["花名册"]
    assert ws.cell(4, 2).value == 1200  # the columns it does not know are left alone


def test_map_rescues_a_header_no_synonym_knows(county, tmp_path, capsys):
    url, c = county
    src, people = _subsidy_sheet(tmp_path, c, "领取人证件")
    args = ["check", str(src), "-o", str(tmp_path / "out.xlsx"), "--database", url]
    assert main(args) == 3
    assert "找不到可识别的表头" in capsys.readouterr().err
    assert main(args + ["--map", "领取人证件=身份证号"]) == 0
    out = capsys.readouterr().out
    assert "领取人证件 → 公民身份号码（用户指定）" in out and "匹配成功：3" in out


@pytest.mark.parametrize("url,says", [("notaurl", "数据库地址无法识别"),
                                      ("nosuchdb://x@127.0.0.1/db", "无法打开数据库")])
def test_a_database_url_it_cannot_use_is_one_line_with_exit_code_5(tmp_path, capsys, url, says):
    assert main(["types", "--database", url]) == 5
    err = capsys.readouterr().err
    assert says in _one_chinese_line(err)


def test_fill_by_religion_writes_the_believers_and_says_the_condition(county, tmp_path, capsys):
    from sqlalchemy import create_engine, update
    from common.schema import Person
    url, c = county
    chosen = [p for p in c.people if p["status"] == "normal"][:2]
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(update(Person).where(Person.id.in_([p["id"] for p in chosen]))
                     .values(religion="buddhism"))
    engine.dispose()
    src = sheet_with_title(tmp_path / "in.xlsx", ["序号", "姓名", "宗教信仰"], [], footer=False)
    assert main(["fill", str(src), "-o", str(tmp_path / "out.xlsx"), "--database", url,
                 "--religion", "佛教", "--today", "2026-11-24"]) == 0
    assert "宗教信仰：佛教" in capsys.readouterr().out
    ws = openpyxl.load_workbook(tmp_path / "out.xlsx").worksheets[0]
    filled = sorted(r[1] for r in ws.iter_rows(values_only=True) if r[2] == "佛教")
    assert filled == sorted(p["name"] for p in chosen)
