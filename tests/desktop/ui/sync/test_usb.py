"""The sync page's U 盘同步 button over a real encrypted database: exporting writes a sealed
bundle holding what waits to be sent; a changed file is refused in plain words; an answer is
imported and the page says what it brought. (The server side: tests/integration/test_bundles*.)"""
from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from common.sync.bundle import ANSWER, REQUEST, BundleHeader, derive_key, open_bundle, seal
from common.sync.messages import PullResponse, SyncResponse
from desktop.services import bundles
from desktop.storage import outbox
from desktop.storage.changes import sync_state
from desktop.ui.sync.page import SyncPage
from desktop.ui.sync.usb import export_bundle, import_bundle
from tests.desktop.work_fixtures import NOW, ctx, engine, seeded  # noqa: F401

pytestmark = pytest.mark.qt


@pytest.fixture
def keyed(seeded):
    with Session(seeded.engine) as s, s.begin():
        device_id = sync_state(s).device_id
    key = derive_key(b"secret", device_id, "user-1")
    bundles.store_key(seeded.engine, {"device_id": device_id, "user_id": "user-1",
                                      "key": key.hex()}, now=NOW)
    return device_id, key


def test_exporting_writes_a_sealed_bundle_of_what_waits_to_be_sent(ctx, seeded, keyed, qtbot,
                                                                   tmp_path):
    page = SyncPage(ctx)
    qtbot.addWidget(page)
    assert [a.text() for a in page.usb_menu.actions() if a.text()][:2] == [
        "导出同步包到 U 盘…", "导入回执包…"]
    stick = tmp_path / "usb"
    stick.mkdir()
    export_bundle(page, str(stick))
    qtbot.wait_until(lambda: "已导出同步包" in page.state.text(), timeout=10000)
    (made,) = stick.iterdir()
    header, payload = open_bundle(keyed[1], made.read_bytes(), direction=REQUEST)
    with Session(seeded.engine) as s:
        assert len(payload["request"]["push"]["changes"]) == outbox.pending_count(s) > 0
    assert header.device_id == keyed[0] and str(made) in page.state.text()


def test_a_changed_answer_file_is_refused_in_plain_words(ctx, keyed, qtbot, tmp_path):
    device_id, key = keyed
    answer = seal(key, BundleHeader(device_id, "user-1", ANSWER, 1, NOW.isoformat()),
                  {"request_seq": 1, "responses": []})
    path = tmp_path / "回执包.yzbsync"
    path.write_bytes(answer[:-1] + bytes([answer[-1] ^ 1]))
    page = SyncPage(ctx)
    qtbot.addWidget(page)
    import_bundle(page, str(path))
    qtbot.wait_until(lambda: "没有完成" in page.state.text(), timeout=10000)
    assert "改动" in page.state.text()


def test_an_answer_is_imported_and_the_page_says_so(ctx, seeded, keyed, qtbot, tmp_path):
    device_id, key = keyed
    reply = SyncResponse(server_time=NOW.isoformat(), pull=PullResponse(cursor=42))
    answer = seal(key, BundleHeader(device_id, "user-1", ANSWER, 1, NOW.isoformat()),
                  {"request_seq": 1, "responses": [reply.model_dump(mode="json")]})
    path = tmp_path / "回执包.yzbsync"
    path.write_bytes(answer)
    page = SyncPage(ctx)
    qtbot.addWidget(page)
    import_bundle(page, str(path))
    qtbot.wait_until(lambda: "已导入同步包 1 号" in page.state.text(), timeout=10000)
    with Session(seeded.engine) as s:
        assert sync_state(s).cursor == 42
    import_bundle(page, str(path))
    qtbot.wait_until(lambda: "已导入过" in page.state.text(), timeout=10000)


def test_a_visit_photo_not_yet_sent_travels_in_the_bundle_and_the_answer_marks_it_sent(
        ctx, seeded, keyed, qtbot, tmp_path):
    from common.attachments import photo_ref
    from common.schema import Visit
    from common.sync.bundle import unseal
    from desktop.storage.changes import record_change
    from tests.desktop.work_fixtures import GRID, WORKER_ID
    from tests.integration.attachment_helpers import make_photo

    device_id, key = keyed
    store = ctx.blobs
    photo = make_photo(40_000, seed=31)
    sha, mime, thumb = store.put_photo(photo)
    with Session(seeded.engine) as s, s.begin():
        record_change(s, Visit, None, {"kind": "person", "visitor_id": WORKER_ID,
                                       "visited_at": NOW, "grid_id": GRID, "notes": "走访",
                                       "photos": [photo_ref(sha, len(photo), mime, thumb)]},
                      now=NOW)
    page = SyncPage(ctx)
    qtbot.addWidget(page)
    stick = tmp_path / "usb"
    stick.mkdir()
    export_bundle(page, str(stick))
    qtbot.wait_until(lambda: "已导出同步包" in page.state.text(), timeout=10000)
    assert "1 张照片" in page.state.text()
    (made,) = stick.iterdir()
    header, _payload, photos = unseal(key, made.read_bytes(), direction=REQUEST)
    assert photos == [(sha, photo)]
    reply = SyncResponse(server_time=NOW.isoformat(), pull=PullResponse(cursor=1))
    answer = seal(key, BundleHeader(device_id, "user-1", ANSWER, header.seq, NOW.isoformat()),
                  {"request_seq": header.seq, "responses": [reply.model_dump(mode="json")],
                   "photos": {"held": [sha], "refused": {}}})
    path = tmp_path / "回执包.yzbsync"
    path.write_bytes(answer)
    import_bundle(page, str(path))
    qtbot.wait_until(lambda: "服务器已收到 1 张" in page.state.text(), timeout=10000)
    assert store.is_sent(sha)
