"""The client's encrypted, content-addressed photo store."""
from __future__ import annotations

import secrets

import pytest
from hypothesis import given
from hypothesis import strategies as st

from common.attachments import MAX_ATTACHMENT_BYTES, THUMB_MAX_BYTES, sha256_hex
from common.errors import DomainError
from desktop.storage.blobs import BlobStore
from tests.integration.attachment_helpers import make_photo

KEY = bytes(range(32))


def test_a_photo_is_stored_under_its_hash_and_reads_back_whole(tmp_path):
    store = BlobStore(tmp_path / "blobs", KEY)
    photo = make_photo(150_000, seed=1)
    sha, mime, thumb = store.put_photo(photo)
    assert sha == sha256_hex(photo)
    assert mime == "image/jpeg"
    assert store.get(sha) == photo
    assert store.thumbnail(sha) == thumb
    assert 0 < len(thumb) <= THUMB_MAX_BYTES


def test_the_file_on_disk_is_encrypted_so_the_photo_cannot_be_read_without_the_key(tmp_path):
    store = BlobStore(tmp_path / "blobs", KEY)
    photo = make_photo(60_000, seed=2)
    sha, _, thumb = store.put_photo(photo)
    files = [p for p in (tmp_path / "blobs").rglob("*") if p.is_file()]
    assert files
    for path in files:
        raw = path.read_bytes()
        assert photo[:64] not in raw and b"JFIF" not in raw and (not thumb or thumb[:32] not in raw)
    with pytest.raises(DomainError) as err:
        BlobStore(tmp_path / "blobs", secrets.token_bytes(32)).get(sha)
    assert err.value.code == "attachment_corrupt"


def test_the_same_photo_attached_twice_is_stored_once(tmp_path):
    store = BlobStore(tmp_path / "blobs", KEY)
    photo = make_photo(80_000, seed=3)
    first = store.put_photo(photo)[0]
    second = store.put_photo(photo)[0]
    assert first == second
    assert list(store.hashes()) == [first]
    assert len(list((tmp_path / "blobs").rglob("*.blob"))) == 1


def test_a_file_swapped_for_another_photo_is_detected(tmp_path):
    store = BlobStore(tmp_path / "blobs", KEY)
    a = store.put(b"\xff\xd8\xff" + b"a" * 100)
    b = store.put(b"\xff\xd8\xff" + b"b" * 100)
    path_a = next((tmp_path / "blobs").rglob(f"{a}.blob"))
    path_b = next((tmp_path / "blobs").rglob(f"{b}.blob"))
    path_a.write_bytes(path_b.read_bytes())
    with pytest.raises(DomainError) as err:
        store.get(a)
    assert err.value.code == "attachment_corrupt"


def test_a_file_that_is_not_an_image_is_refused_with_a_clear_message(tmp_path):
    store = BlobStore(tmp_path / "blobs", KEY)
    with pytest.raises(DomainError) as err:
        store.put_photo(b"%PDF-1.7 this is a document, not a photo" * 100)
    assert err.value.code == "attachment_not_image"
    assert "不是照片" in err.value.message()
    # a JPEG header on garbage is not a photo either (Pillow's verify looks deeper)
    with pytest.raises(DomainError):
        store.put_photo(b"\xff\xd8\xff\xe0" + b"\x00" * 500)
    assert list(store.hashes()) == []


def test_an_oversized_photo_is_refused_naming_the_limit(tmp_path):
    store = BlobStore(tmp_path / "blobs", KEY)
    big = b"\xff\xd8\xff\xe0" + bytes(MAX_ATTACHMENT_BYTES)
    with pytest.raises(DomainError) as err:
        store.put_photo(big)
    assert err.value.code == "attachment_too_large"
    assert "最大允许 10 MB" in err.value.message()
    assert list(store.hashes()) == []


def test_sent_markers_track_which_originals_still_need_uploading(tmp_path):
    store = BlobStore(tmp_path / "blobs", KEY)
    a = store.put(b"one")
    b = store.put(b"two")
    assert store.unsent() == sorted([a, b])
    store.mark_sent(a)
    assert store.unsent() == [b]


@given(st.binary(min_size=1, max_size=4096))
def test_any_bytes_round_trip_through_the_store_unchanged(tmp_path_factory, data):
    store = BlobStore(tmp_path_factory.mktemp("blobs"), KEY)
    sha = store.put(data)
    assert store.get(sha) == data
    assert store.size(sha) == len(data)


def test_a_profiles_photo_store_opens_again_with_the_password_and_only_with_it(tmp_path,
                                                                                monkeypatch):
    from desktop.storage.profiles import create_profile, open_profile

    monkeypatch.setenv("YZB_HOME", str(tmp_path))
    profile = create_profile("worker1a", "Secret#2026", server_url="http://127.0.0.1:9",
                             kdf={"name": "argon2id", "time_cost": 1, "memory_cost": 8192,
                                  "parallelism": 1})
    photo = make_photo(40_000, seed=9)
    sha = profile.blob_store().put_photo(photo)[0]
    assert (profile.path / "blobs").is_dir()
    profile.engine.dispose()
    again = open_profile("worker1a", "Secret#2026")
    assert again.blob_store().get(sha) == photo
    again.engine.dispose()
