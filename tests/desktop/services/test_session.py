"""Signing in: first time against a real server on 127.0.0.1, afterwards offline."""
import pytest

from common.errors import DomainError
from desktop.services.session import known_profiles, sign_in
from tests.conftest import NOW
from tests.live_server import free_port
from tests.factories import PASSWORD


def test_first_sign_in_creates_a_profile_then_offline_sign_in_needs_no_server(yzb_home, live):
    synced = []
    first = sign_in(live.url, "worker1a", PASSWORD, now=NOW,
                    initial_sync=lambda profile, progress: synced.append(profile.name))
    assert first.created and not first.offline and synced == ["worker1a"]
    assert first.user["scope_node_id"] == live.tree.id("g1a")
    first.profile.close()
    live.stop()
    again = sign_in("http://127.0.0.1:9", "worker1a", PASSWORD, now=NOW)
    assert again.offline and again.user["display_name"] == "worker1a"
    again.profile.close()
    assert [p["name"] for p in known_profiles()] == ["worker1a"]


def test_a_wrong_password_is_refused_online_and_offline(yzb_home, live):
    with pytest.raises(DomainError) as exc:
        sign_in(live.url, "worker1a", "wrong-password", now=NOW)
    assert exc.value.message() == "账号或密码错误"
    assert known_profiles() == []
    sign_in(live.url, "worker1a", PASSWORD, now=NOW).profile.close()
    with pytest.raises(DomainError) as exc:
        sign_in(live.url, "worker1a", "wrong-password", now=NOW)
    assert exc.value.code == "wrong_password"


def test_two_accounts_on_one_machine_are_kept_apart(yzb_home, live):
    a = sign_in(live.url, "worker1a", PASSWORD, now=NOW)
    b = sign_in(live.url, "worker2", PASSWORD, now=NOW)
    assert a.profile.path != b.profile.path
    assert a.user["scope_node_id"] != b.user["scope_node_id"]
    a.profile.close()
    b.profile.close()


def test_an_unreachable_server_on_first_sign_in_says_so_in_chinese(yzb_home):
    with pytest.raises(DomainError) as exc:
        sign_in(f"http://127.0.0.1:{free_port()}", "worker1a", PASSWORD, now=NOW)
    assert exc.value.code == "server_unreachable"
    assert "无法连接服务器" in exc.value.message()


def test_first_sign_in_downloads_the_scope_and_indexes_names_for_pinyin_search(yzb_home, live):
    from sync_server.services.changes import apply_change
    from common.schema import Person
    from desktop.services.search import PeopleQuery, count_people
    from desktop.services.sync import initial_sync
    from sqlalchemy.orm import Session
    from tests.factories import make_person
    with live.app.state.sessions() as s:
        apply_change(s, Person, None, {**make_person(live.tree.id("g1a")), "name": "曾国强"},
                     now=NOW)
        apply_change(s, Person, None, {**make_person(live.tree.id("g2")), "name": "王五"},
                     now=NOW)
        s.commit()
    signed = sign_in(live.url, "worker1a", PASSWORD, now=NOW, initial_sync=initial_sync)
    with Session(signed.profile.engine) as s:
        assert count_people(s, PeopleQuery(), today=NOW.date()) == 1  # only worker1a's grid
        assert count_people(s, PeopleQuery(text="zgq"), today=NOW.date()) == 1
    signed.profile.close()
