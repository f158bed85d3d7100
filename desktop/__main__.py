"""Command line of the desktop client.

    python -m desktop                       the desktop app (desktop.app.main); needs a display
    python -m desktop --help                what follows, in Chinese
    python -m desktop sync --server URL --user NAME [--profile NAME] [--password-env VAR]
    python -m desktop bundle export|relay|import …   USB sync bundles (desktop/bundle_cli.py)

`sync` signs in and syncs one local profile headless, printing progress. The password comes from
the environment variable named by --password-env (default YZB_PASSWORD) or a prompt. The first
run on a machine creates the profile (encrypted, its key wrapped by the password); later runs
open it with the same password and sign in online for a fresh token.
"""
from __future__ import annotations

import argparse
import getpass
import os
import sys
import uuid
from typing import Any

from sqlalchemy.orm import Session

from common.errors import DomainError
from desktop.cli_args import ChineseArgumentParser

NO_DISPLAY = ("没有找到图形界面：未设置 DISPLAY 或 WAYLAND_DISPLAY，无法打开客户端窗口。\n"
              "请在桌面环境中运行；远程登录时用 ssh -X 或在 Xvfb 里运行；"
              "无界面同步请用 python -m desktop sync --help。")
# Qt platform plugins that draw on a display server; any other (offscreen, vnc, eglfs, …)
# needs none.
_DISPLAY_PLATFORMS = ("", "xcb", "wayland", "wayland-egl")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "bundle":  # USB sync bundles (desktop/bundle_cli.py)
        from desktop.bundle_cli import main as bundle_main
        return bundle_main(argv[1:])
    parser = _parser()
    if not argv or argv[0] != "sync":
        # The app. Single-dash options are Qt's own (-platform xcb, -style …) and go to
        # QApplication; --help and any other double-dash option are ours.
        if any(a.startswith("--") or a == "-h" for a in argv):
            parser.parse_args(argv)  # prints the help and exits, or argparse's error
        if not has_display(os.environ, argv):
            print(NO_DISPLAY, file=sys.stderr)
            return 3
        from desktop.app import main as app_main
        return app_main([sys.argv[0], *argv]) or 0
    args = parser.parse_args(argv)
    try:
        return _sync(args)
    except DomainError as err:
        print(f"同步失败：{err.message()} [{err.code}]", file=sys.stderr)
        return 2


def has_display(env: Any, qt_args: list[str]) -> bool:
    """Whether Qt can open a window: a display server is set, or the chosen Qt platform
    (QT_QPA_PLATFORM or -platform) draws without one. Not asked on Windows and macOS."""
    if not sys.platform.startswith("linux"):
        return True
    platform = env.get("QT_QPA_PLATFORM", "")
    if "-platform" in qt_args[:-1]:
        platform = qt_args[qt_args.index("-platform") + 1]
    if platform.split(":", 1)[0] not in _DISPLAY_PLATFORMS:
        return True
    return bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"))


def _parser() -> argparse.ArgumentParser:
    p = ChineseArgumentParser(
        prog="python -m desktop",
        description="一张表 桌面客户端。不带参数时打开客户端窗口（需要图形界面）。",
        epilog="环境变量：YZB_HOME 本机数据目录（默认为系统的用户数据目录）；"
               "YZB_DEFAULT_SERVER 登录框里预填的服务器地址；"
               "QT_QPA_PLATFORM 图形平台（如 xcb、wayland、offscreen）。"
               "USB 同步包：python -m desktop bundle --help。")
    sub = p.add_subparsers(dest="command", title="命令", metavar="命令")
    sub.add_parser("bundle", prog="python -m desktop bundle", help="USB 同步包：导出、转交、导入（详见 python -m desktop bundle --help）")
    s = sub.add_parser("sync", help="同步一个本机账号（无界面）", prog="python -m desktop sync",
                       description="登录服务器并同步一个本机账号，不打开窗口。")
    s.add_argument("--server", help="服务器地址，如 http://192.168.1.10:8000（默认：账号上次使用的）")
    s.add_argument("--user", required=True, help="账号")
    s.add_argument("--profile", help="本机账号目录名（默认同账号）")
    s.add_argument("--password-env", default="YZB_PASSWORD",
                   help="从该环境变量读取密码（默认 YZB_PASSWORD；未设置则提示输入）")
    s.add_argument("--offline-ok", action="store_true",
                   help="服务器不可达时只打开本机数据，不算失败")
    return p


def _sync(args: argparse.Namespace) -> int:
    from desktop.net.sync import HttpSyncTransport
    from desktop.services.sync import SyncService
    from desktop.storage import profiles
    from desktop.storage.changes import sync_state

    password = os.environ.get(args.password_env) or getpass.getpass("密码: ")
    name = args.profile or args.user
    exists = (profiles.profile_dir(name) / "key.json").exists()
    if exists:
        profile = profiles.open_profile(name, password)
        server = args.server or profile.server_url
    else:
        if not args.server:
            raise DomainError("profile_missing", value=name)
        server = args.server
        profile = None
    if not server:
        raise DomainError("server_url_invalid", value="")
    transport = HttpSyncTransport(server)
    device_id = profile.device_id() if profile is not None else str(uuid.uuid4())
    print(f"服务器 {server}  账号 {args.user}  本机目录 {name}")
    reuse = False
    if profile is not None:  # a token kept from the last sync is used as it is: no sign-in
        with Session(profile.engine) as s:
            state = sync_state(s)
            reuse = bool(state.access_token and state.device_id and state.server_url == server
                         and getattr(profile, "username", args.user) == args.user)
    answer: dict[str, Any] = {}
    if not reuse:
        try:
            answer = transport.login(args.user, password, device_id=device_id)
        except DomainError as err:
            if err.code == "device_revoked" and profile is not None:
                from desktop.services.revocation import wipe_profile
                wipe_profile(profile.path, now=profiles.utcnow(), engine=profile.engine)
                raise DomainError("device_revoked", wiped=True) from err
            if err.code == "server_unreachable" and profile is not None and args.offline_ok:
                return _offline(profile)
            raise
    if profile is None:
        user: dict[str, Any] = answer.get("user") or {}
        profile = profiles.create_profile(
            name, password, server_url=server, username=args.user, user_id=user.get("id"),
            display_name=user.get("display_name"), role=user.get("role"),
            scope_node_id=user.get("scope_node_id"))
        print("已创建本机加密数据")
    # An expired kept token is renewed inside the sync (refresh token, else the password).
    service = SyncService(profile, transport, password=password, on_progress=_print)
    if not reuse:
        service.store_tokens(answer)
        with Session(profile.engine) as s, s.begin():
            sync_state(s).server_url = server
            sync_state(s).device_id = device_id  # the id the tokens were issued to
        try:  # the key for USB sync bundles, kept for when there is no signal
            from desktop.services.bundles import refresh_bundle_key
            refresh_bundle_key(profile.engine, transport, answer["access_token"],
                               now=profiles.utcnow())
        except DomainError as err:
            if err.code == "device_revoked":
                raise
    try:
        result = service.sync_now()
        if reuse:  # the bundle key is fetched only when this device has none
            from desktop.services.bundles import keep_key
            keep_key(service)
    except DomainError as err:
        if err.code == "server_unreachable" and args.offline_ok:
            return _offline(profile)
        raise
    finally:
        transport.close()
    print(f"完成：{result.text()}，共 {result.exchanges} 次往返")
    if result.refused:
        print(f"注意：{result.refused} 条修改被服务器拒绝，已隔离保存，请在客户端查看原因")
    profile.close()
    return 0


def _offline(profile: Any) -> int:
    from desktop.storage.outbox import pending_count
    with Session(profile.engine) as s:
        print(f"离线：{pending_count(s)} 条修改等待上传")
    return 0


def _print(p: Any) -> None:
    print(f"  第 {p.exchanges} 批：{p.text()}{'，继续…' if p.more else ''}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
