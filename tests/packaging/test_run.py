"""`make run` (packaging/run.py) as a user meets it: a port already taken is said in Chinese with
the way out (YZB_PORT) and the run fails (it used to say "服务器已启动" because another server
answered /health); SIGTERM or Ctrl+C stops the server it started (it was left running); on a real
X display (Xvfb, with Qt's xcb plugin, which needs Debian's libxcb-cursor0) the client's sign-in
window appears and renders, and SIGTERM closes it too."""
from __future__ import annotations

import http.server
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.live_server import free_port

ROOT = Path(__file__).resolve().parents[2]
RUN = ROOT / "packaging" / "run.py"


def start_run(tmp_path: Path, port: int, sqlite_template: Path,
              display: str | None = None) -> subprocess.Popen:
    """run.py as `make run` starts it, on `port`, over a copy of the migrated template database,
    with no display or on X `display`; everything it writes goes under tmp_path."""
    db = tmp_path / "server.db"
    db.write_bytes(sqlite_template.read_bytes())
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env.update(YZB_PORT=str(port), DATABASE_URL=f"sqlite:///{db}", PYTHONPATH=str(ROOT),
               ATTACHMENTS_DIR=str(tmp_path / "attachments"), PYTHONUNBUFFERED="1",
               YZB_HOME=str(tmp_path / "home"))
    if display:
        env.update(DISPLAY=display, QT_QPA_PLATFORM="xcb")
    return subprocess.Popen([sys.executable, str(RUN)], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


class _Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'{"status": "ok"}')

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def other_server():
    """Some other server already on a port, answering /health as ours would."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), _Health)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


def children(pid: int) -> list[int]:
    """The live child processes of `pid` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[1]) == pid and fields[0] != "Z":
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def wait_for_line(proc: subprocess.Popen, text: str, timeout: float = 90) -> str:
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line and proc.poll() is not None:
            break
        seen.append(line)
        if text in line:
            return "".join(seen)
    raise AssertionError(f"{text!r} never came; output:\n{''.join(seen)}")


def test_a_taken_port_is_reported_with_the_way_out_and_the_run_fails(
        tmp_path, sqlite_template, other_server):
    proc = start_run(tmp_path, other_server, sqlite_template)
    try:
        out, _ = proc.communicate(timeout=90)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode != 0, out
    assert f"端口 {other_server} 已被占用" in out and f"YZB_PORT={other_server + 1}" in out
    assert "服务器已启动" not in out


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_stopping_make_run_stops_the_server_it_started(tmp_path, sqlite_template, sig):
    port = free_port()
    proc = start_run(tmp_path, port, sqlite_template)
    servers: list[int] = []
    try:
        wait_for_line(proc, "服务器已启动")
        servers = children(proc.pid)
        assert len(servers) == 1
        proc.send_signal(sig)
        out, _ = proc.communicate(timeout=30)
        assert proc.returncode == 0, out
        deadline = time.monotonic() + 10
        while alive(servers[0]) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not alive(servers[0]), "the server outlived make run"
    finally:
        for pid in [proc.pid, *servers]:  # whatever the outcome, leave nothing running
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        proc.wait()
    with pytest.raises(ConnectionRefusedError):  # nothing listens on the port any more
        socket.create_connection(("127.0.0.1", port), timeout=5).close()


def test_the_client_make_run_starts_offers_the_server_on_the_chosen_port(
        tmp_path, monkeypatch, qtbot):
    # run.py hands the client YZB_DEFAULT_SERVER; the sign-in dialog ignored it and offered
    # port 8000 even when YZB_PORT had moved the server.
    from desktop.tasks import TaskManager
    from desktop.ui.signin.dialog import SignInDialog
    from tests.conftest import NOW
    monkeypatch.setenv("YZB_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("YZB_DEFAULT_SERVER", "http://127.0.0.1:8123")
    tasks = TaskManager()
    try:
        dialog = SignInDialog(tasks, lambda: NOW, initial_sync=None)
        qtbot.addWidget(dialog)
        assert dialog.server.text() == "http://127.0.0.1:8123"
    finally:
        tasks.shutdown()


def need(tool: str, package: str) -> str:
    """The path of an X tool; a skip where it is not installed, a failure under CI (make test
    installs it: SYSPKGS in the Makefile)."""
    path = shutil.which(tool)
    if path is None:
        message = f"{tool} is not installed (Debian: {package}; make test installs it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture
def xvfb():
    """A fresh X server (Xvfb) at a cheap laptop's 1366x768; its display name, e.g. ":3"."""
    exe = need("Xvfb", "xvfb")
    need("xwininfo", "x11-utils")
    read, write = os.pipe()
    proc = subprocess.Popen([exe, "-displayfd", str(write), "-screen", "0", "1366x768x24",
                             "-nolisten", "tcp"], pass_fds=(write,),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    os.close(write)
    try:
        ready, _, _ = select.select([read], [], [], 30)
        number = os.read(read, 64).decode().strip() if ready else ""
        assert number.isdigit(), f"Xvfb did not start: {proc.stderr.read1(4000)!r}"
        yield f":{number}"
    finally:
        os.close(read)
        proc.terminate()
        proc.wait(10)


def windows(display: str) -> dict[str, tuple[int, int, int, int]]:
    """The top-level windows on `display`: name -> (x, y, width, height)."""
    tree = subprocess.run(["xwininfo", "-root", "-children"], capture_output=True, text=True,
                          env=dict(os.environ, DISPLAY=display, LANG="C.UTF-8"), timeout=10)
    found = {}
    for m in re.finditer(r'^\s+0x[0-9a-f]+ "(.*)": .*?(\d+)x(\d+)\+(-?\d+)\+(-?\d+)',
                         tree.stdout, re.M):
        name, w, h, x, y = m.groups()
        found[name] = (int(x), int(y), int(w), int(h))
    return found


GRAB = """
import json, sys
from PySide6.QtGui import QGuiApplication
app = QGuiApplication([])
x, y, w, h = map(int, sys.argv[1:5])
img = app.primaryScreen().grabWindow(0, x, y, w, h).toImage()
img.save(sys.argv[5])
grey = [img.pixelColor(i, j).lightness() for i in range(w) for j in range(h)]
print(json.dumps({"colours": len({img.pixel(i, j) for i in range(w) for j in range(h)}),
                  "dark": sum(g < 80 for g in grey) / len(grey),
                  "light": sum(g > 200 for g in grey) / len(grey)}))
"""


def test_make_run_on_a_display_shows_the_sign_in_window_and_sigterm_closes_everything(
        tmp_path, sqlite_template, xvfb):
    proc = start_run(tmp_path, free_port(), sqlite_template, display=xvfb)
    started: list[int] = []
    try:
        wait_for_line(proc, "正在启动桌面客户端")
        deadline = time.monotonic() + 60
        while "一张表 — 登录" not in windows(xvfb) and time.monotonic() < deadline:
            assert proc.poll() is None, proc.stdout.read()
            time.sleep(0.3)
        found = windows(xvfb)
        assert "一张表 — 登录" in found, f"no sign-in window; windows: {list(found)}"
        x, y, w, h = found["一张表 — 登录"]
        assert 300 <= w <= 1366 and 150 <= h <= 768 and x >= 0 and y >= 0  # on the screen
        time.sleep(1)  # the first paint
        shot = subprocess.run(
            [sys.executable, "-c", GRAB, str(x), str(y), str(w), str(h),
             str(tmp_path / "signin.png")], capture_output=True, text=True, timeout=60,
            env=dict(os.environ, DISPLAY=xvfb, QT_QPA_PLATFORM="xcb"))
        assert shot.returncode == 0, shot.stderr
        seen = json.loads(shot.stdout)
        # Drawn, not a blank rectangle: a light form with dark text (the Chinese labels,
        # antialiased into many shades).
        assert seen["colours"] > 50 and seen["light"] > 0.5 and 0.005 < seen["dark"] < 0.3, seen

        started = children(proc.pid)
        assert len(started) == 2  # the server and the client
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
        assert proc.returncode == 0, out
        deadline = time.monotonic() + 10
        while any(alive(p) for p in started) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(alive(p) for p in started), "a process of make run outlived it"
        assert "一张表 — 登录" not in windows(xvfb)
    finally:
        for pid in [proc.pid, *started]:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        proc.wait()
