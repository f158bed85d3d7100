#!/usr/bin/env python3
"""`make run`: start the sync server on 127.0.0.1:8000 and, when there is a display, the client.

With no display (a server or an SSH session) only the server runs, and this says so.
Ctrl+C stops both.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request

HOST = os.environ.get("YZB_HOST", "127.0.0.1")
PORT = int(os.environ.get("YZB_PORT", "8000"))
URL = f"http://{HOST}:{PORT}"


def wait_for_health(proc: subprocess.Popen, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(f"{URL}/health", timeout=2) as resp:
                if resp.status == 200:
                    return True
        except OSError:
            time.sleep(0.3)
    return False


def main() -> int:
    server = subprocess.Popen([sys.executable, "-m", "sync_server", "--host", HOST,
                               "--port", str(PORT)])
    try:
        if not wait_for_health(server):
            print("服务器未能启动 / the server did not start; see the messages above.",
                  file=sys.stderr)
            return 1
        print(f"服务器已启动 / server running: {URL}  (API 文档 / docs: {URL}/docs)")
        has_display = bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
        if has_display:
            print("正在启动桌面客户端 / starting the desktop client …")
            env = dict(os.environ, YZB_DEFAULT_SERVER=URL)
            client = subprocess.Popen([sys.executable, "-m", "desktop"], env=env)
            client.wait()
            print("客户端已退出 / client closed; stopping the server.")
        else:
            print("未检测到图形界面（没有 DISPLAY），只启动了服务器。按 Ctrl+C 停止。\n"
                  "No display found: running the server only. Press Ctrl+C to stop.")
            server.wait()
    except KeyboardInterrupt:
        pass
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
