#!/usr/bin/env python3
"""`make run`: start the sync server on 127.0.0.1:8000 and, when there is a display, the client.

With no display (a server or an SSH session) only the server runs, and this says so.
YZB_PORT (default 8000) and YZB_HOST (default 127.0.0.1) choose where the server listens; a port
already taken is reported before anything starts, and the run fails.
Ctrl+C, SIGTERM or SIGHUP stop both: nothing started here outlives this process.
"""
from __future__ import annotations

import errno
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

HOST = os.environ.get("YZB_HOST", "127.0.0.1")
PORT = int(os.environ.get("YZB_PORT", "8000"))
URL = f"http://{HOST}:{PORT}"

PORT_TAKEN = (f"端口 {PORT} 已被占用（{HOST}:{PORT}），可能另一个服务器或上一次的 make run 还在运行。\n"
              f"请先停止占用它的程序，或换一个端口，例如：YZB_PORT={PORT + 1} make run\n"
              f"Port {PORT} is already in use; stop what holds it or choose another port with "
              f"YZB_PORT, e.g. YZB_PORT={PORT + 1} make run")


class Stop(Exception):
    """A signal asked us to stop (SIGTERM, SIGHUP)."""


def _raise_stop(signum: int, frame: object) -> None:
    raise Stop(signum)


def port_taken(host: str, port: int) -> bool:
    """Whether something already listens on host:port (binding as the server would)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        try:
            s.bind((host, port))
        except OSError as exc:
            return exc.errno in (errno.EADDRINUSE, errno.EACCES)
    return False


def wait_for_health(proc: subprocess.Popen, timeout: float = 60.0) -> bool:
    """True once our server answers /health. Only while our process is alive: an answer from
    some other server on the port does not count."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(f"{URL}/health", timeout=2) as resp:
                if resp.status == 200 and proc.poll() is None:
                    return True
        except OSError:
            time.sleep(0.3)
    return False


def stop(proc: subprocess.Popen | None, sig: int, timeout: float = 10.0) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(sig)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def main() -> int:
    if port_taken(HOST, PORT):
        print(PORT_TAKEN, file=sys.stderr)
        return 1
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _raise_stop)
    # Ctrl+C stops everything even when started from a shell that ignored SIGINT for it (a
    # non-interactive shell's background job): Python then keeps SIGINT ignored
    signal.signal(signal.SIGINT, signal.default_int_handler)
    server: subprocess.Popen | None = None
    client: subprocess.Popen | None = None
    try:
        server = subprocess.Popen([sys.executable, "-m", "sync_server", "--host", HOST,
                                   "--port", str(PORT)])
        if not wait_for_health(server):
            if server.poll() is not None and port_taken(HOST, PORT):
                print(PORT_TAKEN, file=sys.stderr)  # taken between our check and its start
            else:
                print("服务器未能启动，请看上面的信息。/ the server did not start; see the "
                      "messages above.", file=sys.stderr)
            return 1
        print(f"服务器已启动 / server running: {URL}  (API 文档 / docs: {URL}/docs)", flush=True)
        has_display = bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
        if has_display:
            print("正在启动桌面客户端 / starting the desktop client …", flush=True)
            env = dict(os.environ, YZB_DEFAULT_SERVER=URL)
            client = subprocess.Popen([sys.executable, "-m", "desktop"], env=env)
            while client.poll() is None and server.poll() is None:
                time.sleep(0.5)
            if server.poll() is not None:
                print("服务器意外停止 / the server stopped unexpectedly.", file=sys.stderr)
                return 1
            print("客户端已退出，正在停止服务器。/ client closed; stopping the server.")
        else:
            print("未检测到图形界面（没有 DISPLAY），只启动了服务器。按 Ctrl+C 停止。\n"
                  "No display found: running the server only. Press Ctrl+C to stop.", flush=True)
            if server.wait() != 0:
                print("服务器意外停止 / the server stopped unexpectedly.", file=sys.stderr)
                return 1
    except (KeyboardInterrupt, Stop):
        print("\n正在停止 / stopping …", flush=True)
    finally:
        # No more signals while stopping: a second Ctrl+C must not leave a child behind.
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
        stop(client, signal.SIGTERM)
        stop(server, signal.SIGINT)
    return 0


if __name__ == "__main__":
    sys.exit(main())
