"""Attachment rules shared by client and server: limits, type sniffing, photo references."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from common.attachments import (MAX_ATTACHMENT_BYTES, check_attachment, photo_hashes, photo_ref,
                                sha256_hex, sniff_image_type, thumb_bytes)
from common.errors import DomainError

JPEG, PNG, WEBP = b"\xff\xd8\xff\xe0", b"\x89PNG\r\n\x1a\n", b"RIFF\x00\x00\x00\x00WEBPVP8 "


@pytest.mark.parametrize("head,mime", [(JPEG, "image/jpeg"), (PNG, "image/png"),
                                       (WEBP, "image/webp")])
def test_photos_are_recognised_by_their_first_bytes(head, mime):
    assert sniff_image_type(head + b"rest") == mime
    assert check_attachment(1000, head) == mime


@pytest.mark.parametrize("head", [b"%PDF-1.7", b"PK\x03\x04", b"GIF89a", b"<html>", b""])
def test_documents_archives_and_web_pages_are_not_photos(head):
    with pytest.raises(DomainError) as err:
        check_attachment(1000, head)
    assert err.value.code == "attachment_not_image"
    assert "不是照片" in err.value.message()


def test_the_size_limit_is_inclusive_and_its_message_names_both_sizes():
    assert check_attachment(MAX_ATTACHMENT_BYTES, JPEG) == "image/jpeg"
    with pytest.raises(DomainError) as err:
        check_attachment(MAX_ATTACHMENT_BYTES + 1, JPEG)
    assert err.value.message() == "照片太大（10.0 MB），最大允许 10 MB，请压缩后再添加"
    with pytest.raises(DomainError):
        check_attachment(0, JPEG)


@given(st.lists(st.binary(max_size=64), max_size=8), st.binary(max_size=200))
def test_a_photo_list_yields_each_hash_once_in_order_with_its_thumbnail(files, thumb):
    refs = [photo_ref(sha256_hex(f), len(f), "image/jpeg", thumb) for f in files]
    expected = list(dict.fromkeys(sha256_hex(f) for f in files))
    assert photo_hashes(refs) == expected
    assert photo_hashes(expected) == expected  # bare hashes (older local records) too
    assert photo_hashes(refs + ["not-a-hash", None, {"sha256": "x"}]) == expected
    for ref in refs:
        assert thumb_bytes(ref) == (thumb or None)
