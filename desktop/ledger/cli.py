"""`python -m desktop.ledger`: fill, complete and check spreadsheets; export and import ledgers.

Asks nothing (a profile's password comes from $YZB_PASSWORD, else a prompt): prints the column
mapping it applied and the counts of the summary sheet, and exits non-zero with a clear Chinese
message on a file it cannot read. Against the server's database (`--database URL`) or a local
encrypted profile (`--profile NAME`).
"""
from __future__ import annotations

import argparse
import datetime as dt
import getpass
import os
import sys
from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from common.errors import DomainError

EXIT_OK, EXIT_USAGE, EXIT_REFUSED = 0, 2, 3


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m desktop.ledger", description="一张表助手：表头填表、补全、核对；台账导出与导入",
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=(
            "示例：\n"
            "  python -m desktop.ledger fill 表头.xlsx -o 名单.xlsx --profile wg_001 "
            "--sex 男 --age 65-\n"
            "  python -m desktop.ledger complete 半成品.xlsx -o 补全.xlsx "
            "--database sqlite:///data/yizhangbiao.db --map '联系方式=phone'\n"
            "  python -m desktop.ledger check 下发核对.xlsx -o 核对结果.xlsx --profile wg_001\n"
            "  python -m desktop.ledger export land -o 土地台账.xlsx --profile wg_001 --year 2025\n"
            "  python -m desktop.ledger import land 土地台账.xlsx --profile wg_001\n"
            "退出码：0 成功；1 导入时有错误行（正确行已保存）；2 参数错误；3 文件无法读取或被拒绝。"))
    sub = p.add_subparsers(dest="command", required=True)
    for name, text in (("fill", "按检索条件生成名单并填写表头对应的列"),
                       ("complete", "补全表中空着的列（已填的不改，填入的单元格着色）"),
                       ("check", "与数据库逐格核对，不一致的单元格标红并批注")):
        s = sub.add_parser(name, help=text, description=text)
        s.add_argument("input", help="输入的 .xlsx（或 .csv）文件")
        s.add_argument("-o", "--output", required=True, help="结果文件（新文件）")
        s.add_argument("--sheet", help="工作表名称（默认：第一个能识别表头的工作表）")
        s.add_argument("--map", action="append", default=[], metavar="HEADER=field",
                       help="纠正表头对应的字段，如 '联系方式=phone' 或 '备注=-'（不处理）")
        _source(s)
        if name == "fill":
            s.add_argument("--sex", default="", help="性别：男/女")
            s.add_argument("--age", default="", help="年龄范围：65-、18-22、-14")
            s.add_argument("--tag", action="append", default=[], help="标签（任一），可重复")
            s.add_argument("--tag-all", action="append", default=[], help="标签（全部具备）")
            s.add_argument("--ethnicity", action="append", default=[], help="民族，可重复")
            s.add_argument("--resident-type", action="append", default=[], help="人口类型")
            s.add_argument("--status", action="append", default=[], help="人员状态")
            s.add_argument("--place", default="", help="乡镇、村（社区）或网格名称")
            s.add_argument("--text", default="", help="姓名、身份证号或电话片段")
    t = sub.add_parser("types", help="列出台账类型及其字段")
    _source(t)
    e = sub.add_parser("export", help="导出一种台账为 .xlsx")
    e.add_argument("ledger", help="台账代码或名称，如 land、土地台账")
    e.add_argument("-o", "--output", required=True)
    e.add_argument("--year", type=int)
    _source(e)
    i = sub.add_parser("import", help="从 .xlsx 导入一种台账（逐行校验，错误行列出、正确行保留）")
    i.add_argument("ledger")
    i.add_argument("input")
    _source(i)
    return p


def _source(s: argparse.ArgumentParser) -> None:
    g = s.add_mutually_exclusive_group(required=True)
    g.add_argument("--database", help="服务器数据库 URL，如 sqlite:///data/yizhangbiao.db")
    g.add_argument("--profile", help="本机加密档案名称（密码取自环境变量 YZB_PASSWORD 或提示输入）")
    s.add_argument("--today", type=dt.date.fromisoformat, default=None,
                   help="计算年龄所用的日期（默认今天）")


@contextmanager
def _sessions(args: argparse.Namespace) -> Iterator[tuple[sessionmaker, str | None, bool]]:
    """A session factory, the user id (for the operation log) and whether it is a profile."""
    if args.database:
        engine = create_engine(args.database)
        try:
            yield sessionmaker(engine, expire_on_commit=False), None, False
        finally:
            engine.dispose()
        return
    from desktop.storage import local_log  # noqa: F401 - registers the operation-log migration
    from desktop.storage.profiles import open_profile
    password = os.environ.get("YZB_PASSWORD") or getpass.getpass("档案密码：")
    profile = open_profile(args.profile, password)
    try:
        yield profile.sessions(), profile.user_id, True
    finally:
        profile.close()


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command in ("fill", "complete", "check"):
            return _job(args)
        from . import ledgers_cli
        return ledgers_cli.run(args, _sessions)
    except DomainError as e:
        print(f"错误：{e.message()}", file=sys.stderr)
        return EXIT_REFUSED


def _job(args: argparse.Namespace) -> int:
    from desktop.assistant.population import Conditions
    from desktop.assistant.service import AssistantService
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    today = args.today or dt.date.today()
    with _sessions(args) as (sessions, user_id, _):
        service = AssistantService(sessions, user_id=user_id)
        plan = service.inspect(args.input, sheet=args.sheet)
        plan.override(_overrides(args.map))
        _print_mapping(plan)
        cond = None
        if args.command == "fill":
            cond = Conditions(sex=args.sex, age=args.age, tags=args.tag, tags_all=args.tag_all,
                              ethnicities=args.ethnicity, resident_types=args.resident_type,
                              statuses=args.status, place=args.place, text=args.text)
        report = service.run(args.command, plan, args.output, today=today, now=now,
                             conditions=cond)
    print(f"结果：{args.output}")
    for label, n in report.counts():
        print(f"  {label}：{n}")
    return EXIT_OK


def _overrides(items: list[str]) -> dict[str, str]:
    out = {}
    for item in items:
        header, sep, field = item.partition("=")
        if not sep:
            raise DomainError("assistant_unknown_field", value=item)
        out[header.strip()] = field.strip()
    return out


def _print_mapping(plan) -> None:  # noqa: ANN001 - a desktop.assistant.service.Plan
    t = plan.table
    print(f"工作表：{t.sheet}（表头在第 {t.header_first}"
          f"{'' if t.header_first == t.header_last else f'-{t.header_last}'} 行，"
          f"数据 {len(t.data_rows)} 行）")
    print("列对应：")
    for c, (header, label, how) in zip(t.columns, plan.describe()):
        print(f"  {c.index:>3}  {header} → {label}（{how}）")
