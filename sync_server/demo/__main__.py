"""`python -m sync_server.demo [--scale S] [--seed N] [--database URL] [--force]`: build the demo
county (托克逊县) in the server database that DATABASE_URL (or --database) names."""
from __future__ import annotations

import argparse
import datetime as dt
import sys
import time

from common.errors import DomainError
from common.schema import ENTITIES


def _pad(label: str, width: int) -> str:
    """Left-align counting CJK characters as two columns, as terminals draw them."""
    used = sum(2 if ord(c) > 0x2E80 else 1 for c in label)
    return label + " " * max(1, width - used)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sync_server.demo",
                                     description="生成托克逊县演示数据 / build the demo county")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="规模：1 约 13 万人（默认 1；测试用 0.01 等小规模）")
    parser.add_argument("--seed", type=int, default=2026, help="随机种子：同一种子生成相同数据")
    parser.add_argument("--database", help="数据库 URL（默认取环境变量 DATABASE_URL）")
    parser.add_argument("--force", action="store_true",
                        help="数据库已有数据时清空后重建（慎用）")
    parser.add_argument("--if-empty", action="store_true",
                        help="数据库已有数据时什么也不做（make run 用：只在第一次运行时生成）")
    args = parser.parse_args(argv)
    if not 0 < args.scale <= 10:
        parser.error("--scale 应在 0 到 10 之间")

    from pydantic import ValidationError

    from ..settings import load_settings
    from .server import DEMO_PASSWORD, build_demo_server

    try:
        settings = load_settings(**({"database_url": args.database} if args.database else {}))
    except ValidationError as exc:
        print(f"配置错误 / settings error: {exc}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    print(f"正在生成演示数据（规模 {args.scale}，种子 {args.seed}）…", flush=True)
    try:
        summary = build_demo_server(settings.database_url, scale=args.scale, seed=args.seed,
                                    now=now, force=args.force)
    except DomainError as exc:
        if args.if_empty and exc.code == "demo_database_populated":
            print("数据库已有数据，跳过演示数据生成 / demo county already built.")
            return 0
        print(exc.message(), file=sys.stderr)
        return 1
    elapsed = time.perf_counter() - started
    print(f"{_pad('表', 16)}{'记录数':>9}")
    for name, cls in ENTITIES.items():
        if summary.counts.get(name):
            print(f"{_pad(cls.__label__, 16)}{summary.counts[name]:>12,}")
    print(f"{_pad('合计', 16)}{summary.total:>12,}")
    print(f"用时 {elapsed:.1f} 秒（生成 {summary.seconds:.1f} 秒）；最高版本号 rev {summary.max_rev}")
    first = summary.grids[0][1] if summary.grids else "…"
    print(f"账号：admin（县级管理员）、xz_<乡镇拼音>（如 xz_tuokexun）、wg_<网格编码>"
          f"（如 wg_{first}），共 {len(summary.grids) + len(summary.township_offices) + 1} 个；"
          f"演示密码：{DEMO_PASSWORD}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
