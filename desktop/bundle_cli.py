"""`python -m desktop bundle …`: USB sync bundles from the command line (docs/SYNC.md).

    bundle export --profile NAME [--out FILE|DIR]        laptop, no network: write a request
                                                         (with the photos not yet sent)
    bundle relay  --server URL --user NAME --in FILE…    office computer: hand requests to the
                  [--out DIR]                            server, write the answers
    bundle import --profile NAME --in FILE               laptop: apply an answer

Passwords come from the environment variable named by --password-env (default YZB_PASSWORD) or
a prompt. Exit status 2 and a Chinese reason on failure.
"""
from __future__ import annotations

import argparse
import datetime as dt
import getpass
import os
import sys
from pathlib import Path

from sqlalchemy.orm import Session

from common.errors import DomainError
from common.sync.bundle import SUFFIX
from desktop.cli_args import ChineseArgumentParser


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    try:
        return {"export": _export, "relay": _relay, "import": _import}[args.action](args)
    except DomainError as err:
        print(f"同步包操作失败：{err.message()} [{err.code}]", file=sys.stderr)
        return 2
    except OSError as err:
        print(f"同步包文件读写失败：{err}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    p = ChineseArgumentParser(prog="python -m desktop bundle",
                                description="U 盘同步包：无信号的笔记本通过联网电脑同步")
    sub = p.add_subparsers(dest="action", required=True, title="命令", metavar="命令")
    e = sub.add_parser("export", help="（无网络的笔记本）导出同步包")
    e.add_argument("--profile", required=True, help="本机账号目录名")
    e.add_argument("--out", default=".", help="文件或文件夹（如 U 盘），默认当前文件夹")
    r = sub.add_parser("relay", help="（联网电脑）转交同步包，取回回执包")
    r.add_argument("--server", required=True, help="服务器地址")
    r.add_argument("--user", required=True, help="联网电脑上登录的账号（须管辖该笔记本的账号）")
    r.add_argument("--in", dest="inputs", nargs="+", required=True, help="同步包文件")
    r.add_argument("--out", help="回执包放在哪个文件夹（默认与同步包相同）")
    i = sub.add_parser("import", help="（无网络的笔记本）导入回执包")
    i.add_argument("--profile", required=True, help="本机账号目录名")
    i.add_argument("--in", dest="input", required=True, help="回执包文件")
    for q in (e, r, i):
        q.add_argument("--password-env", default="YZB_PASSWORD",
                       help="从该环境变量读取密码（默认 YZB_PASSWORD；未设置则提示输入）")
    return p


def _password(args: argparse.Namespace) -> str:
    return os.environ.get(args.password_env) or getpass.getpass("密码: ")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def _export(args: argparse.Namespace) -> int:
    from desktop.services.bundles import export_to
    from desktop.storage import profiles

    profile = profiles.open_profile(args.profile, _password(args))
    try:
        with Session(profile.engine) as s, s.begin():
            out, result = export_to(s, Path(args.out), now=_now(), name=args.profile,
                                    store=profile.blob_store())
    finally:
        profile.close()
    print(f"已导出同步包（{result.text()}，共 {out.stat().st_size} 字节）：{out}")
    print("请把它带到联网电脑上转交，再把带回的回执包在本机导入")
    return 0


def _relay(args: argparse.Namespace) -> int:
    from desktop.net.sync import HttpSyncTransport
    from desktop.services.bundles import relay_bundle, write_atomic

    transport = HttpSyncTransport(args.server)
    try:
        token = transport.login(args.user, _password(args))["access_token"]
        for name in args.inputs:
            source = Path(name)
            answer = relay_bundle(transport, token, source.read_bytes())
            folder = Path(args.out) if args.out else source.parent
            stem = source.stem.replace("同步包", "回执包")
            target = folder / ((stem if stem != source.stem else stem + "-回执包") + SUFFIX)
            write_atomic(target, answer)
            print(f"已转交 {source.name}，回执包：{target}")
    finally:
        transport.close()
    return 0


def _import(args: argparse.Namespace) -> int:
    from desktop.services.bundles import import_from, wipe_if_revoked
    from desktop.storage import profiles

    source = Path(args.input)
    source.stat()  # a missing file is reported before asking for the password
    profile = profiles.open_profile(args.profile, _password(args))
    try:
        with Session(profile.engine) as s, s.begin():
            result = import_from(s, source, now=_now(), store=profile.blob_store())
        wipe_if_revoked(result, profile, now=_now())  # a lost laptop clears itself
    finally:
        profile.close()
    print(result.text())
    return 0


__all__ = ["main"]
