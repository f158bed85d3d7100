"""`python -m sync_server [--host H] [--port P]` migrates then serves; `… migrate` only migrates;
`… create-admin --username U` makes a county admin (password from YZB_ADMIN_PASSWORD or a prompt).

DATABASE_URL (environment) selects the database for every command; default a SQLite file in data/.
"""
from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sync_server",
                                     description="一张表 同步服务 / sync server")
    parser.add_argument("command", nargs="?", choices=("serve", "migrate", "create-admin"),
                        default="serve",
                        help="serve（默认：迁移数据库后启动服务）、migrate（只迁移数据库）或"
                             " create-admin（新建县级管理员账号）")
    parser.add_argument("--host", default="127.0.0.1", help="监听地址（默认 127.0.0.1）")
    parser.add_argument("--port", type=int, default=8000, help="端口（默认 8000）")
    parser.add_argument("--database", help="数据库 URL（默认取环境变量 DATABASE_URL）")
    parser.add_argument("--username", default="admin", help="create-admin：账号（默认 admin）")
    parser.add_argument("--name", default="县级管理员", help="create-admin：姓名")
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
    if args.command == "create-admin":
        return _create_admin(settings.database_url, args.username, args.name)

    import uvicorn

    from .app import create_app
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level="info",
                timeout_keep_alive=settings.keep_alive_seconds, server_header=False)
    return 0


def _create_admin(url: str, username: str, display_name: str) -> int:
    import getpass
    import os

    from sqlalchemy.orm import Session

    from common.errors import DomainError

    from .app import utc_now
    from .db.engine import make_engine
    from .services.bootstrap import create_county_admin

    password = os.environ.get("YZB_ADMIN_PASSWORD") or getpass.getpass("新账号的密码：")
    if len(password) < 8:
        print("密码至少 8 个字符 / the password needs 8+ characters", file=sys.stderr)
        return 2
    engine = make_engine(url)
    try:
        with Session(engine) as session, session.begin():
            user = create_county_admin(session, username=username, password=password,
                                       display_name=display_name, now=utc_now())
            print(f"已创建县级管理员 {user.username} / county admin created")
    except DomainError as err:
        print(err.message(), file=sys.stderr)
        return 1
    finally:
        engine.dispose()
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
