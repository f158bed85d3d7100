"""The bundle seal: what goes in comes out under the right key, and any change is refused."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from common.errors import DomainError
from common.sync.bundle import (ANSWER, REQUEST, BundleHeader, derive_key, open_bundle,
                                read_header, seal, unseal)

KEY = derive_key(b"server-secret", "dev-1", "user-1")
HEADER = BundleHeader(device_id="dev-1", user_id="user-1", direction=REQUEST, seq=3,
                      created="2026-11-24T05:00:00")
PAYLOAD = {"request": {"device_id": "dev-1", "push": {"changes": [{"值": "团结路 1 号"}]}}}
SEALED = seal(KEY, HEADER, PAYLOAD)


def test_a_sealed_bundle_opens_to_its_header_and_payload():
    header, payload = open_bundle(KEY, SEALED, direction=REQUEST, device_id="dev-1")
    assert header == HEADER and payload == PAYLOAD
    assert read_header(SEALED) == HEADER


def test_the_key_differs_per_device_and_per_user():
    keys = {derive_key(b"s", "dev-1", "user-1"), derive_key(b"s", "dev-2", "user-1"),
            derive_key(b"s", "dev-1", "user-2"), derive_key(b"t", "dev-1", "user-1")}
    assert len(keys) == 4


def test_another_devices_key_cannot_open_it():
    with pytest.raises(DomainError) as err:
        open_bundle(derive_key(b"server-secret", "dev-1", "user-2"), SEALED, direction=REQUEST)
    assert err.value.code == "bundle_tampered"


def test_the_payload_cannot_be_read_from_the_file():
    assert "团结路".encode() not in SEALED and b"changes" not in SEALED


@given(st.integers(min_value=0, max_value=len(SEALED) - 1), st.integers(1, 255))
def test_changing_any_byte_is_refused(position, flip):
    bad = SEALED[:position] + bytes([SEALED[position] ^ flip]) + SEALED[position + 1:]
    with pytest.raises(DomainError) as err:
        open_bundle(KEY, bad, direction=REQUEST)
    assert err.value.code.startswith("bundle_")


@given(st.integers(min_value=0, max_value=len(SEALED) - 1))
def test_a_cut_off_file_is_refused(length):
    with pytest.raises(DomainError):
        open_bundle(KEY, SEALED[:length], direction=REQUEST)


def test_a_file_that_is_not_a_bundle_is_called_so():
    with pytest.raises(DomainError) as err:
        read_header(b"PK\x03\x04 a zip file")
    assert err.value.code == "bundle_invalid"
    assert "不是" in err.value.message()


def test_a_bundle_of_the_wrong_direction_or_device_is_refused():
    with pytest.raises(DomainError) as err:
        open_bundle(KEY, SEALED, direction=ANSWER)
    assert err.value.code == "bundle_wrong_direction"
    with pytest.raises(DomainError) as err:
        open_bundle(KEY, SEALED, direction=REQUEST, device_id="dev-2")
    assert err.value.code == "bundle_wrong_device"


# -- version 2: photo originals inside the seal -------------------------------------------------

PHOTOS = [("a" * 64, b"\xff\xd8\xff\xe0" + bytes(range(256)) * 40), ("b" * 64, b"\x89PNG" * 10)]
WITH_PHOTOS = seal(KEY, HEADER, PAYLOAD, photos=PHOTOS)


def test_the_bundle_key_of_a_device_did_not_change_with_the_format():
    # Laptops keep the key they received at their last online sign-in: it must still work.
    assert derive_key(b"server-secret", "dev-1", "user-1").hex() == (
        "ccaae6fd92ed48ac9dbdbedd470b66a1fe648e1803d1ce52790b2a55eff11f91")


@given(st.lists(st.tuples(st.text("0123456789abcdef", min_size=64, max_size=64),
                          st.binary(max_size=300)), max_size=4))
def test_photos_come_out_as_they_went_in_and_cost_only_68_bytes_each(photos):
    plain = seal(KEY, HEADER, PAYLOAD, photos=photos, nonce=b"n" * 12)
    bare = seal(KEY, HEADER, PAYLOAD, nonce=b"n" * 12)
    header, payload, out = unseal(KEY, plain, direction=REQUEST)
    assert (header, payload, out) == (HEADER, PAYLOAD, photos)
    assert len(plain) - len(bare) == sum(68 + len(b) for _, b in photos)


def test_the_photos_cannot_be_read_from_the_file():
    assert bytes(range(256)) not in WITH_PHOTOS and b"a" * 64 not in WITH_PHOTOS


@given(st.integers(min_value=0, max_value=len(WITH_PHOTOS) - 1), st.integers(1, 255))
def test_changing_any_byte_of_a_bundle_with_photos_is_refused(position, flip):
    bad = WITH_PHOTOS[:position] + bytes([WITH_PHOTOS[position] ^ flip]) + \
        WITH_PHOTOS[position + 1:]
    with pytest.raises(DomainError) as err:
        unseal(KEY, bad, direction=REQUEST)
    assert err.value.code.startswith("bundle_")


def test_a_version_1_bundle_opens_without_photos_and_cannot_carry_any():
    old = BundleHeader(device_id="dev-1", user_id="user-1", direction=REQUEST, seq=3,
                       created="2026-11-24T05:00:00", version=1)
    assert unseal(KEY, seal(KEY, old, PAYLOAD), direction=REQUEST) == (old, PAYLOAD, [])
    with pytest.raises(ValueError):
        seal(KEY, old, PAYLOAD, photos=PHOTOS)


def test_an_unknown_future_version_is_refused_with_its_number():
    future = BundleHeader(device_id="dev-1", user_id="user-1", direction=REQUEST, seq=3,
                          created="2026-11-24T05:00:00", version=9)
    with pytest.raises(DomainError) as err:
        unseal(KEY, seal(KEY, future, PAYLOAD), direction=REQUEST)
    assert err.value.code == "bundle_version" and "9" in err.value.message()
