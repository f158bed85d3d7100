"""`python -m sync_server [--host H] [--port P]` migrates then serves; `… migrate` only migrates.

DATABASE_URL (environment) selects the database for every command; default a SQLite file in data/.
"""
from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sync_server",
                                     description="一张表 同步服务 / sync server")
    parser.add_argument("command", nargs="?", choices=("serve", "migrate"), default="serve",
                        help="serve（默认：迁移数据库后启动服务）或 migrate（只迁移数据库）")
    parser.add_argument("--host", default="127.0.0.1", help="监听地址（默认 127.0.0.1）")
    parser.add_argument("--port", type=int, default=8000, help="端口（默认 8000）")
    parser.add_argument("--database", help="数据库 URL（默认取环境变量 DATABASE_URL）")
    args = parser.parse_args(argv)

    from pydantic import ValidationError

    from .db.migrate import migrate
    from .settings import load_settings

    try:
        settings = load_settings(**({"database_url": args.database} if args.database else {}))
    except ValidationError as exc:
        print(f"配置错误 / settings error: {exc}", file=sys.stderr)
        return 2
    added = migrate(settings.database_url)
    print(f"数据库已迁移到最新版本 / database migrated: {_safe(settings.database_url)}"
          + (f"（新增字典项 {added} 条）" if added else ""), flush=True)
    if args.command == "migrate":
        return 0

    import uvicorn

    from .app import create_app
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level="info")
    return 0


def _safe(url: str) -> str:
    """The URL without a password, for printing."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        return f"{scheme}://{creds.split(':', 1)[0]}:***@{host}"
    return url


if __name__ == "__main__":
    sys.exit(main())
