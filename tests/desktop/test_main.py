"""`python -m desktop` on the command line: --help prints help (it used to open the window), and
with no display the client says so in Chinese instead of Qt's English abort."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, env: dict[str, str], home: Path) -> subprocess.CompletedProcess:
    env = dict(env, YZB_HOME=str(home), PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "desktop", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


def without_display() -> dict[str, str]:
    return {k: v for k, v in os.environ.items()
            if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}


def test_help_prints_the_commands_in_chinese_and_opens_no_window(tmp_path):
    # With a platform that can draw (offscreen), the old client opened its sign-in dialog and
    # never returned.
    env = dict(without_display(), QT_QPA_PLATFORM="offscreen")
    for flag in ("--help", "-h"):
        done = run(flag, env=env, home=tmp_path)
        assert done.returncode == 0, done.stderr
        assert "用法" in done.stdout and "桌面客户端" in done.stdout
        assert "sync" in done.stdout and "bundle" in done.stdout
    sync_help = run("sync", "--help", env=env, home=tmp_path)
    assert sync_help.returncode == 0 and "--server" in sync_help.stdout
    assert not (tmp_path / "profiles").exists() and not any(tmp_path.iterdir())


def test_without_a_display_the_client_says_so_in_chinese_and_fails(tmp_path):
    done = run(env=without_display(), home=tmp_path)
    assert done.returncode != 0
    assert "没有找到图形界面" in done.stderr and "DISPLAY" in done.stderr
    assert "qt.qpa" not in done.stderr and "Aborted" not in done.stderr
    # An X platform asked for by name needs a display just the same.
    done = run("-platform", "xcb", env=without_display(), home=tmp_path)
    assert done.returncode != 0 and "没有找到图形界面" in done.stderr


def test_an_unknown_option_is_refused_rather_than_opening_the_window(tmp_path):
    done = run("--no-such-option", env=dict(without_display(), QT_QPA_PLATFORM="offscreen"),
               home=tmp_path)
    assert done.returncode == 2 and "--no-such-option" in done.stderr


def test_a_wrong_argument_is_one_chinese_line_on_every_command(tmp_path):
    env = dict(without_display(), QT_QPA_PLATFORM="offscreen")
    cases = {("--frobnicate",): "不认识的参数：--frobnicate",
             ("sync",): "缺少必需的参数：--user",
             ("bundle", "export"): "缺少必需的参数：--profile",
             ("bundle", "fetch"): "参数 命令 的取值 'fetch' 无效"}
    for args, said in cases.items():
        done = run(*args, env=env, home=tmp_path)
        assert done.returncode == 2, (args, done.stderr)
        assert said in done.stderr and "usage" not in done.stderr, (args, done.stderr)
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    done = run("bundle", "--help", env=env, home=tmp_path)
    assert done.returncode == 0 and "用法：" in done.stdout and "显示本帮助并退出" in done.stdout
    assert "usage" not in done.stdout and "options" not in done.stdout
