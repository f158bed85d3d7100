"""The compact acks of protocol 3: an answer's acks come back exactly, whatever mix of accepted,
refused and replayed changes they answer."""
from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from common.sync.codec import pack, unpack
from common.sync.messages import (Ack, Change, PullResponse, PushRequest, PushResponse,
                                  SyncRequest, SyncResponse, compact_acks, expand_acks,
                                  wire_form)

_acks = st.lists(st.tuples(st.sampled_from(["accepted", "refused"]),
                           st.one_of(st.none(), st.integers(1, 40)), st.booleans(),
                           st.booleans()), max_size=12)


def _request(n: int, protocol: int = 3) -> SyncRequest:
    changes = [Change(id=str(uuid.UUID(int=i + 1)), entity="people", record_id=f"p{i}",
                      values={"name": "张三"}, clock="0000000000001-0000-a") for i in range(n)]
    return SyncRequest(protocol=protocol, device_id="d", push=PushRequest(changes=changes))


@hsettings(max_examples=300, deadline=None)
@given(_acks)
def test_compact_acks_read_back_exactly(spec):
    request = _request(len(spec))
    acks = [Ack(change_id=c.id, status=status, rev=rev, settled=settled,
                error=None if status == "accepted" else {"code": "required"})
            for c, (status, rev, settled, _) in zip(request.push.changes, spec)]
    answer = SyncResponse(server_time="t", push=PushResponse(acks=acks),
                          pull=PullResponse(cursor=3))
    sent = unpack(pack(compact_acks(wire_form(answer), request)))
    assert SyncResponse.model_validate(expand_acks(sent, request)) == answer


def test_an_ordinary_push_answer_is_a_list_of_settled_marks():
    request = _request(50)
    acks = [Ack(change_id=c.id, status="accepted", rev=101 + i, settled=True)
            for i, c in enumerate(request.push.changes)]
    answer = SyncResponse(server_time="t", push=PushResponse(acks=acks),
                          pull=PullResponse(cursor=150))
    sent = compact_acks(wire_form(answer), request)
    assert sent["push"]["acks"][0] == {"rev": 101, "settled": True}
    assert all(a == {"settled": True} for a in sent["push"]["acks"][1:])
    assert len(pack(sent)) < len(pack(wire_form(answer))) / 3
    # A protocol 2 client gets every ack whole.
    old = _request(50, protocol=2)
    assert compact_acks(wire_form(answer), old) == wire_form(answer)
