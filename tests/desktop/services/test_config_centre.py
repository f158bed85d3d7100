"""The config centre service against a real server: changes are saved there and synced back,
an expired token is renewed, a non-admin is refused in the server's words, and the local copy
reads offline (the defaults, under the ids the server seeds, before any sync)."""
from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from common import ledger_types
from desktop.net.admin import ServerRefusal
from desktop.net.sync import HttpSyncTransport
from desktop.services.config_centre import ConfigCentreService, load_config
from desktop.services.session import sign_in
from desktop.services.sync import SyncService
from desktop.storage.changes import sync_state
from tests.conftest import NOW
from tests.factories import PASSWORD


def _service(live, tmp_path, monkeypatch, username):  # noqa: ANN001, ANN202
    monkeypatch.setenv("YZB_HOME", str(tmp_path / username))
    profile = sign_in(live.url, username, PASSWORD, now=NOW).profile
    sync = SyncService(profile, HttpSyncTransport(live.url), clock=lambda: NOW)
    return ConfigCentreService(sync), profile


def test_an_entry_added_with_an_expired_token_is_saved_after_one_renewal_and_synced_back(
        live, tmp_path, monkeypatch):  # noqa: F811
    service, profile = _service(live, tmp_path, monkeypatch, "admin")
    with Session(profile.engine) as s, s.begin():
        sync_state(s).access_token = "expired-or-forged"
    result = service.add_entry(dict_code="livestock_kind", code="yak", label=" 牦牛 ")
    assert result.synced and result.answer["label"] == "牦牛"  # trimmed before sending
    with Session(profile.engine) as s:
        assert sync_state(s).access_token != "expired-or-forged"
        view = load_config(s)
    assert ("yak", "牦牛", True) in [(e.code, e.label, e.active)
                                       for e in view.dictionaries["livestock_kind"]]
    profile.close()


def test_a_township_office_is_refused_in_the_servers_words(live, tmp_path,  # noqa: F811
                                                            monkeypatch):
    service, profile = _service(live, tmp_path, monkeypatch, "office1")
    with pytest.raises(ServerRefusal) as err:
        service.add_type(code="beekeeping", name="养蜂台账", binding="household")
    assert err.value.code == "forbidden" and err.value.status == 403
    assert err.value.message() == "您没有执行此操作的权限"
    profile.close()


def test_a_dict_field_without_a_dictionary_is_refused_naming_the_dictionary(
        live, tmp_path, monkeypatch):  # noqa: F811
    service, profile = _service(live, tmp_path, monkeypatch, "admin")
    land = ledger_types.ledger_type_id("land")
    with pytest.raises(ServerRefusal) as err:
        service.add_field(land, code="soil", label="土壤类型", field_type="dict", dict_code="")
    assert "字典" in err.value.field_errors["dict_code"]
    profile.close()


def test_before_any_sync_the_local_copy_lists_the_default_types_under_the_servers_ids(
        live, tmp_path, monkeypatch):  # noqa: F811
    service, profile = _service(live, tmp_path, monkeypatch, "admin")
    with Session(profile.engine) as s:
        view = load_config(s)
    land = next(t for t in view.types if t.code == "land")
    assert land.id == ledger_types.ledger_type_id("land")
    assert land.fields and land.fields[0].id == ledger_types.ledger_field_id(
        "land", land.fields[0].code)
    assert view.dictionary_names["ethnicity"] == "民族"
    profile.close()
