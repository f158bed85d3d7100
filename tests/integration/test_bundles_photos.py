"""Photos in USB sync bundles: a laptop that never touches a network gets its visit photos to the
server through files (real SQLCipher laptop, real encrypted BlobStore, real server database and
attachment folder; the relay is the server's own relay service, as POST /api/sync/bundle runs it).
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from common.attachments import MAX_ATTACHMENT_BYTES, photo_ref, sha256_hex
from common.errors import DomainError
from common.schema import Visit
from common.sync.bundle import REQUEST, BundleHeader, seal, unseal
from desktop.services import bundles
from desktop.services.attachments import pending_photos
from desktop.storage.blobs import BlobStore
from desktop.storage.changes import sync_state
from sync_server.db.attachment_tables import Attachment
from sync_server.services import bundles as server_bundles
from sync_server.services.attachments import AttachmentFiles, original_path
from sync_server.services.scope import Scope
from tests.integration.attachment_helpers import make_photo
from tests.integration.sync_harness import Device, ServerHarness

SECRET = "test-secret-" + "y" * 32


@pytest.fixture
def files(tmp_path):
    return AttachmentFiles(tmp_path / "server-attachments")


@pytest.fixture
def worker(server, tmp_path):
    d = Device(server, "worker1a", tmp_path / "laptop.db")
    d.store = BlobStore(tmp_path / "laptop-blobs", os.urandom(32))
    with Session(d.engine) as s, s.begin():
        device_id = sync_state(s).device_id
    with server.session() as s:  # handed out at the laptop's last online sign-in
        answer = server_bundles.issue_key(s, server.user("worker1a"), device_id, secret=SECRET)
    bundles.store_key(d.engine, answer, now=d.now())
    yield d
    d.close()


def visit_with(server: ServerHarness, device: Device, photos: list[bytes], *,
               check: bool = True) -> tuple[str, list[str]]:
    """A visit on the laptop with these photos attached (`check=False` stores bytes the photo
    dialog would have refused, as a damaged or foreign file might end up in the store)."""
    refs = []
    for data in photos:
        if check:
            sha, mime, thumb = device.store.put_photo(data)
        else:
            sha, mime, thumb = device.store.put(data), "image/jpeg", None
        refs.append(photo_ref(sha, len(data), mime, thumb))
    vid = device.write(Visit, None, {"kind": "person", "visitor_id": server.user("worker1a").id,
                                     "visited_at": device.now(), "grid_id": server.grid("g1a"),
                                     "notes": "入户走访，拍照两张", "photos": refs})
    return vid, [r["sha256"] for r in refs]


def relay(server: ServerHarness, files: AttachmentFiles, data: bytes,
          by: str = "office1") -> bytes:
    with server.session() as s:
        relayer = s.get(type(server.user(by)), server.user(by).id)
        answer = server_bundles.relay(s, relayer, data, secret=SECRET, now=server.clock(),
                                      files=files)
        s.commit()
    return answer


def served_to(server: ServerHarness, files: AttachmentFiles, sha: str, username: str) -> bytes:
    """What GET /api/attachments/{sha} serves `username` (the route's own service call)."""
    with server.session() as s:
        user = s.get(type(server.user(username)), server.user(username).id)
        path, _mime = original_path(s, files, sha, scope=Scope.of(s, user), user_id=user.id)
        return path.read_bytes()


def attachment_rows(server: ServerHarness) -> int:
    with server.session() as s:
        return s.scalar(select(func.count()).select_from(Attachment))


def server_visits(server: ServerHarness) -> dict[str, list]:
    with server.session() as s:
        return {v.id: v.photos for v in s.scalars(select(Visit))}


def unsent(device: Device) -> list[str]:
    """What the network photo upload would send next (the same selection the export uses)."""
    with Session(device.engine) as s:
        return pending_photos(s, device.store)


def usb(folder: Path, name: str, data: bytes) -> bytes:
    folder.mkdir(exist_ok=True)
    (folder / name).write_bytes(data)
    return (folder / name).read_bytes()


def test_a_visit_with_two_photos_reaches_the_server_by_two_hops_and_the_office_can_view_them(
        server, files, worker, tmp_path):
    photos = [make_photo(150_000, seed=1), make_photo(120_000, seed=2)]
    vid, shas = visit_with(server, worker, photos)
    exported = bundles.export_request(worker.engine, now=worker.now(), store=worker.store)
    assert (exported.changes, exported.photos) == (1, 2)
    assert exported.photo_bytes == sum(len(p) for p in photos)
    stick = tmp_path / "usb"
    answer = usb(stick, "answer.yzbsync",
                 relay(server, files, usb(stick, "request.yzbsync", exported.data)))
    assert [r["sha256"] for r in server_visits(server)[vid]] == shas
    for sha, original in zip(shas, photos):
        served = served_to(server, files, sha, "office1")
        assert sha256_hex(served) == sha and served == original
    with pytest.raises(DomainError) as err:  # another township's office may not fetch them
        served_to(server, files, shas[0], "worker2")
    assert err.value.code == "attachment_out_of_scope"

    assert unsent(worker) == shas  # nothing is marked sent before the answer says so
    result = bundles.import_answer(worker.engine, answer, now=worker.now(), store=worker.store)
    assert (result.accepted, result.photos_held, result.photos_refused) == (1, 2, {})
    assert "服务器已收到 2 张" in result.text()
    assert all(worker.store.is_sent(sha) for sha in shas) and unsent(worker) == []
    again = bundles.export_request(worker.engine, now=worker.now(), store=worker.store)
    assert (again.changes, again.photos) == (0, 0)
    assert len(again.data) < len(exported.data) - sum(len(p) for p in photos)
    assert worker.transport.bytes_up == 0  # the laptop never used the network


def test_relaying_the_same_bundle_twice_stores_each_photo_once(server, files, worker):
    _vid, shas = visit_with(server, worker, [make_photo(80_000, seed=3),
                                             make_photo(80_000, seed=4)])
    request = bundles.export_request(worker.engine, now=worker.now(), store=worker.store).data
    relay(server, files, request)
    stored = sorted(p for p in files.root.rglob("*") if p.is_file() and "staging" not in p.parts)
    second = relay(server, files, request)  # the office clicked twice
    assert attachment_rows(server) == 2
    assert sorted(p for p in files.root.rglob("*")
                  if p.is_file() and "staging" not in p.parts) == stored == sorted(
        files.final(sha) for sha in shas)
    result = bundles.import_answer(worker.engine, second, now=worker.now(), store=worker.store)
    assert result.photos_held == 2 and unsent(worker) == []


def test_a_photo_too_large_or_not_an_image_is_refused_by_reason_and_the_visit_still_arrives(
        server, files, worker):
    good = make_photo(60_000, seed=5)
    too_large = b"\xff\xd8\xff\xe0" + os.urandom(MAX_ATTACHMENT_BYTES + 1000)
    not_image = "走访记录：户主外出务工，下周再访。\n".encode() * 200
    fake_jpeg = b"\xff\xd8\xff\xe0" + not_image  # passes the magic bytes, fails decoding
    vid, (ok, big, text, fake) = visit_with(server, worker,
                                            [good, too_large, not_image, fake_jpeg], check=False)
    exported = bundles.export_request(worker.engine, now=worker.now(), store=worker.store)
    assert exported.photos == 4
    result = bundles.import_answer(worker.engine, relay(server, files, exported.data),
                                   now=worker.now(), store=worker.store)
    assert vid in server_visits(server) and result.accepted == 1
    assert served_to(server, files, ok, "office1") == good
    assert attachment_rows(server) == 1
    assert not any((files.root / "staging").glob("*.part"))  # nothing half-stored is left
    assert set(result.photos_refused) == {big, text, fake}
    assert "照片太大" in result.photos_refused[big] and "MB" in result.photos_refused[big]
    assert "不是照片" in result.photos_refused[text] and "不是照片" in result.photos_refused[fake]
    assert "被拒 3 张" in result.text()
    assert worker.store.is_sent(ok) and not worker.store.is_sent(big)
    # The same bytes would be refused again: the next bundle does not carry them.
    assert bundles.export_request(worker.engine, now=worker.now(),
                                  store=worker.store).photos == 0


def test_a_changed_byte_inside_a_photo_fails_the_whole_bundle(server, files, worker):
    photo = make_photo(100_000, seed=6)
    visit_with(server, worker, [photo])
    request = bundles.export_request(worker.engine, now=worker.now(), store=worker.store).data
    spot = len(request) - 16 - len(photo) // 2  # in the photo section (before the 16-byte tag)
    bad = request[:spot] + bytes([request[spot] ^ 1]) + request[spot + 1:]
    with pytest.raises(DomainError) as err:
        relay(server, files, bad)
    assert err.value.code == "bundle_tampered"
    assert server_visits(server) == {} and attachment_rows(server) == 0
    relay(server, files, request)  # the untouched file still goes through
    assert attachment_rows(server) == 1


def test_a_version_1_bundle_and_its_answer_are_still_read(server, files, worker):
    """A laptop still on the first format: records only, the answer in version 1 too."""
    vid, shas = visit_with(server, worker, [make_photo(50_000, seed=7)])
    v2 = bundles.export_request(worker.engine, now=worker.now(), store=worker.store).data
    with Session(worker.engine) as s:
        key = bytes.fromhex(bundles._stored(s)["key"])
    header, payload, _photos = unseal(key, v2, direction=REQUEST)
    v1 = seal(key, BundleHeader(header.device_id, header.user_id, REQUEST, header.seq,
                                header.created, version=1), payload)
    answer = relay(server, files, v1)
    assert unseal(key, answer, direction="answer")[0].version == 1
    assert vid in server_visits(server) and attachment_rows(server) == 0
    result = bundles.import_answer(worker.engine, answer, now=worker.now(), store=worker.store)
    assert result.accepted == 1 and result.photos_held == 0 and unsent(worker) == shas


def test_photos_over_the_budget_wait_for_the_next_bundle_and_the_export_says_so(
        server, files, worker):
    photos = [make_photo(90_000, seed=10 + i) for i in range(3)]
    _vid, shas = visit_with(server, worker, photos)
    budget = len(photos[0]) + len(photos[1]) // 2  # room for one photo and a half
    carried = []
    for _ in range(5):
        exported = bundles.export_request(worker.engine, now=worker.now(), store=worker.store,
                                          photo_budget=budget)
        if not carried:
            assert (exported.photos, exported.photos_left) == (1, 2)
            assert "还有 2 张照片超出" in exported.text()
        if exported.photos == 0:
            break
        carried.append(exported.photos)
        result = bundles.import_answer(worker.engine, relay(server, files, exported.data),
                                       now=worker.now(), store=worker.store)
        if result.photos_pending:
            assert "请再导出一次" in result.text()
    assert carried == [1, 1, 1] and unsent(worker) == [] and attachment_rows(server) == 3
    assert all(served_to(server, files, sha, "office1") == p for sha, p in zip(shas, photos))
