"""Door-plate QR payloads: round trip, and each way a plate can be wrong gets its own code."""
from __future__ import annotations

import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from common.doorplate import DoorPlate, check_scope, encode, verify
from common.errors import DomainError
from common.messages import render

KEY = bytes(range(32))
KEYS = {"k1": KEY}
HOUSE = str(uuid.UUID(int=1))
GRID = str(uuid.UUID(int=2))


def test_a_signed_plate_reads_back_as_its_house_grid_and_text():
    payload = encode(HOUSE, GRID, "托克逊镇幸福路 12 号", key=KEY, key_id="k1")
    assert verify(payload, KEYS) == DoorPlate(HOUSE, GRID, "托克逊镇幸福路 12 号", "k1")


def test_a_plate_payload_stays_small_enough_for_a_low_version_qr():
    payload = encode(HOUSE, GRID, "库米什镇新村三组 108 号", key=KEY, key_id="k1")
    assert len(payload.encode("utf-8")) < 120


@settings(max_examples=60, deadline=None)
@given(house=st.one_of(st.uuids().map(str), st.text(min_size=1, max_size=30)),
       text=st.text(max_size=60))
def test_every_house_id_and_plate_text_round_trips(house, text):
    plate = verify(encode(house, GRID, text, key=KEY, key_id="k1"), KEYS)
    assert plate.house_id == house
    assert plate.text == " ".join(text.split())


@settings(max_examples=60, deadline=None)
@given(pos=st.integers(min_value=0, max_value=200), char=st.characters(codec="utf-8"))
def test_any_changed_character_is_refused_never_misread_as_another_house(pos, char):
    payload = encode(HOUSE, GRID, "幸福路 12 号", key=KEY, key_id="k1")
    pos = pos % len(payload)
    changed = payload[:pos] + char + payload[pos + 1:]
    if changed == payload:
        return
    try:
        plate = verify(changed, KEYS)
    except DomainError as err:
        assert err.code in {"plate_damaged", "plate_forged", "plate_key_unknown",
                            "plate_version_unsupported"}
    else:  # only trailing whitespace normalisation may leave it readable
        assert (plate.house_id, plate.grid_id) == (HOUSE, GRID)


def test_a_plate_with_an_altered_door_plate_text_is_reported_as_forged():
    payload = encode(HOUSE, GRID, "幸福路 12 号", key=KEY, key_id="k1")
    with pytest.raises(DomainError) as err:
        verify(payload.replace("12", "13"), KEYS)
    assert err.value.code == "plate_forged"
    assert "伪造" in render(err.value)


def test_a_plate_signed_with_another_county_key_is_forged():
    payload = encode(HOUSE, GRID, "幸福路 12 号", key=b"x" * 32, key_id="k1")
    with pytest.raises(DomainError) as err:
        verify(payload, KEYS)
    assert err.value.code == "plate_forged"


def test_a_plate_signed_with_a_key_the_device_lacks_asks_for_a_sync():
    payload = encode(HOUSE, GRID, "幸福路 12 号", key=KEY, key_id="k2")
    with pytest.raises(DomainError) as err:
        verify(payload, KEYS)
    assert err.value.code == "plate_key_unknown"
    assert "同步" in render(err.value)


@pytest.mark.parametrize("junk", ["", "hello", "https://example.com/x", "YZ1|k1|abc",
                                  "YZ1|k1|!!|??|sig|text", None])
def test_text_that_is_not_a_door_plate_is_reported_as_damaged(junk):
    with pytest.raises(DomainError) as err:
        verify(junk, KEYS)
    assert err.value.code == "plate_damaged"


def test_a_newer_plate_format_asks_for_an_upgrade():
    with pytest.raises(DomainError) as err:
        verify("YZ2|k1|a|b|c|d", KEYS)
    assert err.value.code == "plate_version_unsupported"


def test_a_genuine_plate_from_another_grid_has_its_own_message():
    plate = verify(encode(HOUSE, GRID, "幸福路 12 号", key=KEY, key_id="k1"), KEYS)
    assert check_scope(plate, {GRID}) is plate
    with pytest.raises(DomainError) as err:
        check_scope(plate, {"another-grid"})
    assert err.value.code == "plate_other_grid"
    assert "其他网格" in render(err.value) and "幸福路 12 号" in render(err.value)


@settings(max_examples=60, deadline=None)
@given(house=st.one_of(st.uuids().map(str), st.text(min_size=1, max_size=30)),
       grid=st.one_of(st.uuids().map(str), st.text(min_size=1, max_size=30)))
def test_a_version_2_plate_round_trips_any_ids_and_holds_no_text(house, grid):
    from common.doorplate import encode_v2
    payload = encode_v2(house, grid, key=KEY, key_id="k1")
    assert verify(payload, KEYS) == DoorPlate(house, grid, "", "k1")


@settings(max_examples=100, deadline=None)
@given(pos=st.integers(min_value=0, max_value=200), char=st.characters(codec="utf-8"))
def test_any_changed_character_of_a_version_2_plate_is_refused(pos, char):
    from common.doorplate import encode_v2
    payload = encode_v2(HOUSE, GRID, key=KEY, key_id="k1")
    pos = pos % len(payload)
    changed = payload[:pos] + char + payload[pos + 1:]
    if changed.strip() == payload:
        return
    with pytest.raises(DomainError) as err:
        verify(changed, KEYS)
    assert err.value.code in {"plate_damaged", "plate_forged", "plate_key_unknown",
                              "plate_version_unsupported"}


def test_old_and_new_plates_are_both_read_and_a_newer_version_asks_for_an_upgrade():
    from common.doorplate import encode_v2
    old = encode(HOUSE, GRID, "幸福路 12 号", key=KEY, key_id="k1")
    new = encode_v2(HOUSE, GRID, key=KEY, key_id="k1")
    assert verify(old, KEYS).house_id == verify(new, KEYS).house_id == HOUSE
    with pytest.raises(DomainError) as err:
        verify("YZ3:" + new[4:], KEYS)
    assert err.value.code == "plate_version_unsupported"
    with pytest.raises(DomainError) as err:
        check_scope(verify(new, KEYS), {"another-grid"})
    assert render(err.value) == "该门牌属于其他网格，不在您的管辖范围内"
