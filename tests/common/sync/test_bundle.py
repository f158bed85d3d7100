"""The bundle seal: what goes in comes out under the right key, and any change is refused."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from common.errors import DomainError
from common.sync.bundle import (ANSWER, REQUEST, BundleHeader, derive_key, open_bundle,
                                read_header, seal)

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
