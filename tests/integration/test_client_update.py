"""A client below the minimum version (real server on 127.0.0.1, real SQLCipher device): its
sync is refused with the release, it downloads the build from its own server, a cut download
resumes, a corrupted one is refused, and the 数据同步 page offers all of it in Chinese."""
from __future__ import annotations

import hashlib

import httpx
import pytest
from PySide6.QtWidgets import QApplication

from common.errors import DomainError
from desktop.net.sync import HttpSyncTransport
from desktop.net.updates import UpdateClient
from desktop.services import updates
from desktop.tasks import TaskManager
from desktop.ui.context import AppContext, CurrentUser
from desktop.ui.sync.page import SyncPage
from tests.integration.sync_harness import Device
from tests.live_server import LiveServer

BUILD = bytes(range(256)) * 2000  # 512 KB
pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@pytest.fixture
def live(db_url, tmp_path):
    server = LiveServer(db_url, tmp_path / "server").start()
    r = httpx.post(f"{server.url}/api/admin/client-releases",
                   headers={"Authorization": f"Bearer {server.token('admin')}"},
                   data={"version": "9.1.0", "min_version": "9.0", "notes": "修复了同步中断的问题"},
                   files={"file": ("yizhangbiao-9.1.0.exe", BUILD)})
    assert r.status_code == 201, r.text
    yield server
    server.stop()


@pytest.fixture
def device(live, tmp_path):
    (tmp_path / "device").mkdir()
    d = Device(live.harness, "worker1a", tmp_path / "device" / "local.db")
    d.server_url = live.url
    d.service.transport = HttpSyncTransport(live.url)
    d.service.store_tokens({"access_token": live.token("worker1a")})
    yield d
    d.close()


def test_a_too_old_client_is_told_what_to_install_and_fetches_it_verified(live, device, tmp_path):
    with pytest.raises(DomainError) as refused:
        device.service.sync_now()
    release = updates.release_of(refused.value)
    assert refused.value.code == "client_too_old" and release is not None
    assert release["version"] == "9.1.0" and release["notes"] == "修复了同步中断的问题"
    assert updates.latest(device.service)["required"] is True
    path = updates.download(device.service, release)
    assert path.read_bytes() == BUILD and path.name == "yizhangbiao-9.1.0.exe"
    assert path.parent == tmp_path / "device" / "updates"


def test_a_cut_download_resumes_and_a_corrupted_one_is_deleted(live, tmp_path):
    client = UpdateClient(live.url, live.token("worker1a"))
    release = client.latest("0.1.0")["release"]
    folder = tmp_path / "updates"
    folder.mkdir()
    (folder / "yizhangbiao-9.1.0.exe.part").write_bytes(BUILD[:100_000])  # the link was cut
    seen: list[int] = []
    path = client.download(release, folder, lambda done, total: seen.append(done))
    assert path.read_bytes() == BUILD and seen[0] > 100_000  # only the rest came over the wire
    path.unlink()
    (folder / "yizhangbiao-9.1.0.exe.part").write_bytes(b"\0" * 100_000)  # a damaged start
    with pytest.raises(DomainError) as bad:
        client.download(release, folder)
    assert bad.value.code == "update_hash_mismatch" and "校验失败" in bad.value.message()
    assert list(folder.iterdir()) == []  # nothing unverified is left to be run
    client.close()


@pytest.mark.qt
def test_the_sync_page_shows_the_notes_and_downloads_the_build(live, device, qtbot):
    tasks = TaskManager(device.engine)
    ctx = AppContext(tasks=tasks, user=CurrentUser("u", "worker1a", "worker1a"),
                     now=live.clock, sync=device.service)
    page = SyncPage(ctx)
    qtbot.addWidget(page)
    with qtbot.wait_signal(page.sync_failed, timeout=20000):
        page.sync_now()
    assert page.update_box.isVisibleTo(page)
    assert "9.0" in page.update_text.text() and "修复了同步中断的问题" in page.update_text.text()
    page.download_update()
    qtbot.wait_until(lambda: "已下载并校验无误" in page.update_text.text(), timeout=20000)
    downloaded = next((device.path.parent / "updates").iterdir())
    assert hashlib.sha256(downloaded.read_bytes()).hexdigest() == hashlib.sha256(BUILD).hexdigest()
    QApplication.processEvents()
    qtbot.wait_until(lambda: not tasks.is_busy(), timeout=10000)
    tasks.shutdown()
