"""The sync push path enforces what REST enforces (issue 10, findings 1-5), over real HTTP: a grid
worker's device cannot read another grid's residents through a reused id, write them through
another entity's scope exit or a forged `seen_rev`, move records where REST refuses, block its
own queue with one malformed change, or store values that make REST reads fail."""
from __future__ import annotations

import uuid

import httpx
import pytest

from common.schema import Household, Person
from common.sync import hlc
from common.sync.messages import Change, PullRequest, PushRequest, SyncRequest
from desktop.net.sync import HttpSyncTransport
from tests.factories import make_id_number, make_person


pytestmark = pytest.mark.live_server(real_clock=True)  # its devices use the real clock


@pytest.fixture
def live_db(db_url):
    return db_url  # every backend


@pytest.fixture
def resident(live):
    """A person of grid g2 (township t2), outside worker1a's scope: id and ID number."""
    number = make_id_number("19750612")
    values = make_person(live.harness.grid("g2"), id_number=number, name="吐尔逊·阿不都")
    pid = live.harness.write(Person, None, values)
    return pid, number


def _exchange(live, username, changes=(), *, device=None, cursor=0):
    t = HttpSyncTransport(live.url, attempts=1)
    try:
        return t.exchange(SyncRequest(device_id=device or str(uuid.uuid4()),
                                      push=PushRequest(changes=list(changes)),
                                      pull=PullRequest(cursor=cursor, max_bytes=4_000_000)),
                          live.token(username))
    finally:
        t.close()


_STAMPS: list[str] = []


def _change(entity, record_id, values, **kw):
    """A change stamped after everything written so far (the server clamps stamps ahead of
    its own clock, so a distant future would be brought back)."""
    _STAMPS.append(hlc.tick(_STAMPS[-1] if _STAMPS else None, 1_999_000_000_000, "device0001"))
    return Change(id=str(uuid.uuid4()), entity=entity, record_id=record_id, values=values,
                  clock=_STAMPS[-1], **kw)


def _get(live, username, path):
    return httpx.get(f"{live.url}{path}",
                     headers={"Authorization": f"Bearer {live.token(username)}"})


def _household(live, grid="g1a", **values):
    return live.harness.write(Household, None, {"household_no": "H-1", "address": "团结路 1 号",
                                                "grid_id": live.harness.grid(grid), **values})


# -- finding 1: a create under another entity's id ------------------------------------------

def test_a_create_reusing_another_entitys_id_cannot_read_its_history(live, resident):
    pid, number = resident
    (ack,) = _exchange(live, "worker1a", [_change("households", pid, {
        "household_no": "借壳", "grid_id": live.harness.grid("g1a")})]).push.acks
    assert ack.status == "refused" and ack.error["code"] == "record_id_taken"
    for entity in ("households", "people"):
        r = _get(live, "worker1a", f"/api/sync/history/{entity}/{pid}")
        assert r.status_code == 404
        assert number not in r.text and "吐尔逊" not in r.text
    with live.harness.session() as s:
        assert s.get(Household, pid) is None


def test_a_history_shows_the_id_number_masked_as_a_rest_read_does(live, resident):
    pid, number = resident
    r = _get(live, "worker2", f"/api/sync/history/people/{pid}")
    assert r.status_code == 200
    assert r.json()[-1]["values"]["id_number"] == number[:6] + "********" + number[-4:]
    assert number not in r.text


# -- finding 2: writing another grid's record ------------------------------------------------

def test_a_person_cannot_be_written_through_a_household_exit_under_the_same_id(live, resident):
    pid, _ = resident
    device = str(uuid.uuid4())
    _exchange(live, "worker1a", device=device)
    # A household of the worker's own grid that shares the person's id (made on the server, as
    # the push no longer lets a device do it), moved out of the worker's scope afterwards.
    live.harness.write(Household, pid, {"household_no": "H-x", "grid_id": live.harness.grid("g1a")})
    live.harness.write(Household, pid, {"grid_id": live.harness.grid("g2")})
    (ack,) = _exchange(live, "worker1a", [_change("people", pid, {"name": "改名"}, seen_rev=0)],
                       device=device).push.acks
    assert ack.status == "refused" and ack.error["code"] == "out_of_scope"
    assert live.harness.scope_view("worker2", Person)[pid]["name"] == "吐尔逊·阿不都"


def test_a_forged_seen_rev_cannot_write_a_record_after_its_move_was_pulled(live):
    hid = _household(live)
    device = str(uuid.uuid4())
    first = _exchange(live, "worker1a", device=device)
    live.harness.write(Household, hid, {"grid_id": live.harness.grid("g2")})
    second = _exchange(live, "worker1a", device=device, cursor=first.pull.cursor)
    assert [hid] == [rid for _, rid in second.pull.exits]
    # The device's next sync tells the server it holds the exit (its cursor). After that, an
    # "old" edit claiming seen_rev 0 is no longer taken: the server goes by the cursor it was
    # told, not by the claim. (An edit pushed in that very next sync is still taken: a device
    # pushes at most PUSH_BATCH changes per exchange, so older edits may follow the pull.)
    _exchange(live, "worker1a", device=device, cursor=second.pull.cursor)
    (ack,) = _exchange(live, "worker1a", [_change("households", hid, {"address": "篡改"},
                                                  seen_rev=0)],
                       device=device, cursor=second.pull.cursor).push.acks
    assert ack.status == "refused" and ack.error["code"] == "out_of_scope"
    assert live.harness.scope_view("worker2")[hid]["address"] == "团结路 1 号"


def test_a_device_new_to_the_server_cannot_write_a_record_that_left_the_scope(live):
    hid = _household(live)
    live.harness.write(Household, hid, {"grid_id": live.harness.grid("g2")})
    (ack,) = _exchange(live, "worker1a", [_change("households", hid, {"address": "篡改"},
                                                  seen_rev=0)]).push.acks
    assert ack.status == "refused" and ack.error["code"] == "out_of_scope"


# -- finding 3: moves REST refuses -----------------------------------------------------------

@pytest.mark.parametrize("target", ["g1b", "g2", "v1", "nowhere"])
def test_a_move_to_another_grid_by_push_is_refused_like_rest(live, target):
    hid = _household(live)
    grid = live.harness.grid(target) if target != "nowhere" else "nowhere"
    (ack,) = _exchange(live, "worker1a", [_change("households", hid,
                                                  {"grid_id": grid})]).push.acks
    assert ack.status == "refused" and ack.error["field"] == "grid_id"
    rest = httpx.patch(f"{live.url}/api/households/{hid}", json={"grid_id": grid},
                       headers={"Authorization": f"Bearer {live.token('worker1a')}"})
    assert rest.status_code in (403, 422)
    assert _get(live, "worker1a", f"/api/households/{hid}").json()["grid_id"] == \
        live.harness.grid("g1a")
    listed = _get(live, "admin", "/api/households").json()["items"]
    assert hid in {h["id"] for h in listed}


def test_a_move_to_a_grid_inside_the_scope_is_still_taken(live):
    hid = _household(live)
    (ack,) = _exchange(live, "office1", [_change("households", hid, {
        "grid_id": live.harness.grid("g1b")})]).push.acks
    assert ack.status == "accepted"
    assert hid in live.harness.scope_view("worker1b")


# -- findings 4 and 5: malformed values ------------------------------------------------------

def test_one_malformed_change_is_refused_alone_and_the_rest_of_the_push_goes_through(live):
    hid = _household(live)
    grid = live.harness.grid("g1a")
    visit = {"kind": "routine", "visitor_id": live.harness.user("worker1a").id,
             "grid_id": grid, "visited_at": "not-a-date"}
    bad = [
        ("households", hid, {"address": {"a": [1, 2]}}, "field_type"),
        ("households", hid, {"household_no": [1]}, "field_type"),
        ("visits", str(uuid.uuid4()), visit, "date_invalid"),
        ("households", hid, {"deleted": "yes"}, "field_type"),
        ("households", hid, {"shoe_size": 42}, "unknown_field"),
    ]
    good = _change("households", hid, {"address": "团结路 2 号"})
    answer = _exchange(live, "worker1a", [_change(e, r, v) for e, r, v, _ in bad] + [good])
    *refused, accepted = answer.push.acks
    assert [a.status for a in refused] == ["refused"] * len(bad)
    assert [a.error["errors"][0]["code"] for a in refused] == [code for *_, code in bad]
    assert "shoe_size" in refused[-1].error["message"]
    assert accepted.status == "accepted"
    assert _get(live, "worker1a", f"/api/households/{hid}").json()["address"] == "团结路 2 号"


def test_a_huge_address_or_record_id_is_refused_and_reads_stay_answerable(live):
    hid = _household(live)
    grid = live.harness.grid("g1a")
    acks = _exchange(live, "worker1a", [
        _change("households", hid, {"address": "长" * 1_000_000}),
        _change("households", "x" * 10_000, {"household_no": "H-2", "grid_id": grid}),
    ]).push.acks
    assert [a.error["errors"][0]["code"] if "errors" in a.error else a.error["code"]
            for a in acks] == ["too_long", "record_id_invalid"]
    assert _get(live, "worker1a", f"/api/households/{hid}").status_code == 200
    listed = _get(live, "worker1a", "/api/households")
    assert listed.status_code == 200 and len(listed.json()["items"]) == 1


# -- photos: a record may not point at another grid's photo to read it -----------------------

def test_a_visit_pointing_at_another_grids_photo_is_refused_and_the_photo_stays_hidden(live):
    from common.attachments import photo_ref, sha256_hex
    from common.schema import Visit
    from sync_server.services.attachments import AttachmentFiles, receive_whole
    from tests.integration.attachment_helpers import make_photo

    photo = make_photo(20_000, seed=3)
    sha = sha256_hex(photo)
    worker2 = live.harness.user("worker2").id
    with live.harness.session() as s:
        receive_whole(s, AttachmentFiles(live.settings.attachments_dir), sha, photo,
                      user_id=worker2, device_id=None, now=live.harness.clock())
        s.commit()
    ref = photo_ref(sha, len(photo), "image/jpeg", None)
    live.harness.write(Visit, None, {"kind": "routine", "visitor_id": worker2, "photos": [ref],
                                     "visited_at": live.harness.clock(),
                                     "grid_id": live.harness.grid("g2")})
    (ack,) = _exchange(live, "worker1a", [_change("visits", str(uuid.uuid4()), {
        "kind": "routine", "visitor_id": live.harness.user("worker1a").id, "photos": [ref],
        "visited_at": "2026-11-24T08:00:00", "grid_id": live.harness.grid("g1a")})]).push.acks
    assert ack.status == "refused" and ack.error["code"] == "attachment_out_of_scope"
    assert _get(live, "worker1a", f"/api/attachments/{sha}").status_code == 403


def test_a_device_cannot_write_the_config_centres_form_guides(live):
    from common.schema.ledgers import guide_id
    change = _change("field_guides", guide_id("people", "name"),
                     {"entity": "people", "field_key": "name", "guide": "随便填",
                      "example": "", "grid_id": None})
    ack, = _exchange(live, "worker1a", [change]).push.acks
    assert ack.status == "refused" and ack.error["code"] == "read_only_entity"
