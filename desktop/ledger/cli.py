"""`python -m desktop.ledger`: fill, complete and check spreadsheets; export and import ledgers.

Asks nothing (a profile's password comes from $YZB_PASSWORD, else a prompt on a terminal):
prints the column mapping it applied and the counts of the summary sheet. Against the server's
database (`--database URL`) or a local encrypted profile (`--profile NAME`).

Everything that can be checked without the database is checked first — the input file, the
column mapping, the output's folder and whether it already exists, the database file or the
profile — so no password is asked and no work done for a job that cannot finish. Every error
is one Chinese line on stderr with an exit code from EXIT_CODES (shown by --help, documented
in docs/CLIENT.md).
"""
from __future__ import annotations

import argparse
import datetime as dt
import getpass
import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from common.errors import DomainError
from desktop.cli_args import ChineseArgumentParser, ChineseRawHelpFormatter

EXIT_OK, EXIT_ROWS_REFUSED, EXIT_USAGE, EXIT_REFUSED, EXIT_OUTPUT, EXIT_SOURCE = 0, 1, 2, 3, 4, 5
EXIT_INTERRUPTED, EXIT_BUG = 130, 70
EXIT_CODES = ((EXIT_OK, "成功"), (EXIT_ROWS_REFUSED, "导入时有错误行（正确的行已保存）"),
              (EXIT_USAGE, "参数错误"),
              (EXIT_REFUSED, "输入文件无法读取，或表格、条件、字段对应被拒绝"),
              (EXIT_OUTPUT, "结果文件无法写入（文件夹不存在、文件已存在且未加 --overwrite、无权限、"
                            "磁盘已满）"),
              (EXIT_SOURCE, "数据库或本机档案无法打开（找不到、密码错误、未提供密码）"),
              (EXIT_BUG, "程序内部错误（请把这一行报告给管理员）"), (EXIT_INTERRUPTED, "被中断"))
_OUTPUT_CODES = {"output_folder_missing", "output_is_folder", "output_exists",
                 "output_not_writable", "output_write_failed", "output_disk_full",
                 "sheet_same_output"}
_SOURCE_CODES = {"database_missing", "database_url_invalid", "database_unreadable",
                 "password_required", "profile_missing", "bad_profile_name", "wrong_password"}
class _Parser(ChineseArgumentParser):
    """The shared Chinese argparse, keeping this command's hand-made line breaks."""

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        kwargs.setdefault("formatter_class", ChineseRawHelpFormatter)
        super().__init__(*args, **kwargs)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="python -m desktop.ledger", description="一张表助手：表头填表、补全、核对；台账导出与导入",
        epilog=(
            "示例：\n"
            "  python -m desktop.ledger fill 表头.xlsx -o 名单.xlsx --profile wg_001 "
            "--sex 男 --age 65-\n"
            "  python -m desktop.ledger complete 半成品.xlsx -o 补全.xlsx "
            "--database sqlite:///data/yizhangbiao.db --map '联系方式=phone'\n"
            "  python -m desktop.ledger check 下发核对.xlsx -o 核对结果.xlsx --profile wg_001\n"
            "  python -m desktop.ledger export land -o 土地台账.xlsx --profile wg_001 --year 2025\n"
            "  python -m desktop.ledger import land 土地台账.xlsx --profile wg_001\n"
            "退出码：\n" + "\n".join(f"  {n:>3}  {text}" for n, text in EXIT_CODES) +
            "\n出错时在标准错误输出一行中文说明。"))
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name, text in (("fill", "按检索条件生成名单并填写表头对应的列"),
                       ("complete", "补全表中空着的列（已填的不改，填入的单元格着色）"),
                       ("check", "与数据库逐格核对，不一致的单元格标红并批注")):
        s = sub.add_parser(name, help=text, description=text)
        s.add_argument("input", help="输入的 .xlsx（或 .csv）文件")
        s.add_argument("-o", "--output", required=True, help="结果文件（新文件）")
        _overwrite(s)
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
            s.add_argument("--religion", action="append", default=[], help="宗教信仰，可重复")
            s.add_argument("--resident-type", action="append", default=[], help="人口类型")
            s.add_argument("--status", action="append", default=[],
                           help="人员状态（默认 正常，与全息检索相同；“不限”含死亡、迁出）")
            s.add_argument("--place", default="", help="乡镇、村（社区）或网格名称")
            s.add_argument("--text", default="", help="姓名、身份证号或电话片段")
    t = sub.add_parser("types", help="列出台账类型及其字段")
    _source(t)
    e = sub.add_parser("export", help="导出一种台账为 .xlsx")
    e.add_argument("ledger", help="台账代码或名称，如 land、土地台账")
    e.add_argument("-o", "--output", required=True, help="导出的 .xlsx 文件（新文件）")
    _overwrite(e)
    e.add_argument("--year", type=int)
    _source(e)
    i = sub.add_parser("import", help="从 .xlsx 导入一种台账（逐行校验，错误行列出、正确行保留）")
    i.add_argument("ledger")
    i.add_argument("input")
    _source(i)
    return p


def _overwrite(s: argparse.ArgumentParser) -> None:
    s.add_argument("--overwrite", "--force", action="store_true",
                   help="结果文件已存在时覆盖它（默认拒绝，不会悄悄覆盖）")


def _source(s: argparse.ArgumentParser) -> None:
    g = s.add_mutually_exclusive_group(required=True)
    g.add_argument("--database", help="服务器数据库 URL，如 sqlite:///data/yizhangbiao.db")
    g.add_argument("--profile", help="本机加密档案名称（密码取自环境变量 YZB_PASSWORD 或提示输入）")
    s.add_argument("--today", type=dt.date.fromisoformat, default=None,
                   help="计算年龄所用的日期（默认今天）")


def check_source(args: argparse.Namespace) -> None:
    """Refuse, before any password or work, a database file that is not there (SQLAlchemy
    would create an empty one) or a profile this computer does not hold."""
    if args.database:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError
        try:
            url = make_url(args.database)
        except ArgumentError:
            raise DomainError("database_url_invalid", value=args.database) from None
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:") \
                and not url.database.startswith("file:") and not Path(url.database).is_file():
            raise DomainError("database_missing", value=url.database)
        return
    from desktop.storage.profiles import profile_dir
    if not (profile_dir(args.profile) / "key.json").exists():
        raise DomainError("profile_missing", value=args.profile)


def _password() -> str:
    password = os.environ.get("YZB_PASSWORD")
    if password:
        return password
    if not (sys.stdin and sys.stdin.isatty()):
        raise DomainError("password_required")  # getpass would read EOF from a pipe
    return getpass.getpass("档案密码：")


@contextmanager
def _sessions(args: argparse.Namespace) -> Iterator[tuple[sessionmaker, str | None, bool]]:
    """A session factory, the user id (for the operation log) and whether it is a profile."""
    check_source(args)
    if args.database:
        from sqlalchemy.exc import SQLAlchemyError
        try:
            engine = create_engine(args.database)
        except (SQLAlchemyError, ImportError) as e:  # a driver this install does not have
            raise DomainError("database_unreadable", value=args.database,
                              detail=str(e).splitlines()[0][:120]) from None
        try:
            _probe(engine, args.database)
            yield sessionmaker(engine, expire_on_commit=False), None, False
        finally:
            engine.dispose()
        return
    from desktop.storage import local_log  # noqa: F401 - registers the operation-log migration
    from desktop.storage.profiles import open_profile
    profile = open_profile(args.profile, _password())
    try:
        yield profile.sessions(), profile.user_id, True
    finally:
        profile.close()


def _probe(engine, url: str) -> None:  # noqa: ANN001 - an Engine
    """One cheap read, so a file that is not a database (or not this product's) is said
    before the work, not as a traceback in the middle of it."""
    from sqlalchemy import inspect as sa_inspect
    from sqlalchemy.exc import SQLAlchemyError
    try:
        known = sa_inspect(engine).has_table("people")
    except (SQLAlchemyError, ImportError) as e:
        detail = str(getattr(e, "orig", None) or e).splitlines()[0][:120]
        raise DomainError("database_unreadable", value=url, detail=detail) from None
    if not known:
        raise DomainError("database_unreadable", value=url, detail="其中没有人口数据表")


def exit_code(e: DomainError) -> int:
    if e.code in _OUTPUT_CODES:
        return EXIT_OUTPUT
    if e.code in _SOURCE_CODES:
        return EXIT_SOURCE
    return EXIT_REFUSED


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command in ("fill", "complete", "check"):
            return _job(args)
        from . import ledgers_cli
        return ledgers_cli.run(args, _sessions)
    except DomainError as e:
        print(f"错误：{e.message()}", file=sys.stderr)
        return exit_code(e)
    except KeyboardInterrupt:
        print("已中断，未保存结果。", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as e:  # a bug: one line for the user, the traceback when asked for
        if os.environ.get("YZB_DEBUG"):
            raise
        print(f"错误：程序内部错误（{type(e).__name__}：{str(e)[:200]}），"
              "设置 YZB_DEBUG=1 可查看详情", file=sys.stderr)
        return EXIT_BUG


def _job(args: argparse.Namespace) -> int:
    from desktop.assistant.files import check_output
    from desktop.assistant.population import Conditions, describe_conditions
    from desktop.assistant.service import AssistantService
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    today = args.today or dt.date.today()
    # everything that needs no database first: the file, its table, the mapping, the output
    plan = AssistantService(lambda: None).inspect(args.input, sheet=args.sheet,
                                                  overrides=_overrides(args.map))
    check_output(args.output, overwrite=args.overwrite, source=plan.path)
    with _sessions(args) as (sessions, user_id, _):
        service = AssistantService(sessions, user_id=user_id)
        _print_mapping(plan)
        cond = None
        if args.command == "fill":
            cond = Conditions(sex=args.sex, age=args.age, tags=args.tag, tags_all=args.tag_all,
                              ethnicities=args.ethnicity, religions=args.religion,
                              resident_types=args.resident_type,
                              statuses=args.status, place=args.place, text=args.text)
        report = service.run(args.command, plan, args.output, today=today, now=now,
                             conditions=cond, overwrite=args.overwrite)
    if report.conditions:
        print(f"人群条件：{describe_conditions(report.conditions)}")
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
