"""The 配置中心 (config centre) of a county admin: what the local copy holds, and online changes.

Ledger types, their fields and dictionary entries are county-wide reference data: devices only
pull them, and an admin changes them on the server (desktop/net/admin.py). So reading works
offline from the local copy (`load_config`, on a reader), while every change is one server call
followed by a sync that brings it back into the local copy (`ConfigCentreService`, on the
network lane). Rules (code format, unique names, fixed codes) are the server's alone: its
refusal reaches the dialog in its own Chinese words.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from common import ledger_types as defaults
from common.ledger_types import LedgerDef
from common.dictionaries import DEFAULTS
from common.errors import DomainError
from common.schema import Base, DictEntry, LedgerField, LedgerType
from desktop.net.admin import AdminClient

RENEW = ("token_expired", "token_invalid", "not_authenticated")


@dataclass(frozen=True)
class EntryView:
    """A dictionary entry; `id` is None for a built-in default the copy has not received yet
    (it can be shown, not changed, until the next sync)."""

    id: str | None
    dict_code: str
    code: str
    label: str
    sort: int
    active: bool


@dataclass
class ConfigView:
    types: list[LedgerDef]  # common/ledger_types.py: the one shape of a ledger type
    dictionaries: dict[str, list[EntryView]]
    dictionary_names: dict[str, str]


@dataclass
class ActionResult:
    """A change the server accepted; `sync_error` when the sync after it failed (the change is
    saved on the server and arrives with the next sync)."""

    answer: Any
    synced: bool
    sync_error: str | None = None


# -- reading the local copy (reader lane) ------------------------------------------------------

def load_config(session: Session) -> ConfigView:
    """Ledger types with their fields, and every dictionary with its entries (inactive ones
    included), as the local copy holds them; the built-in defaults where it holds none."""
    return ConfigView(_types(session), _dictionaries(session), dictionary_names())


def _types(session: Session) -> list[LedgerDef]:
    types = session.scalars(select(LedgerType).order_by(LedgerType.sort, LedgerType.code)).all()
    if not types:  # never synced: the defaults the server seeds, under the same ids
        return [defaults.default_def(t) for t in defaults.LEDGER_TYPES]
    live = [t for t in types if not t.deleted]
    fields = session.scalars(select(LedgerField).where(
        LedgerField.ledger_type_id.in_([t.id for t in live]), LedgerField.deleted.is_(False))
        .order_by(LedgerField.sort, LedgerField.code)).all()
    grouped: dict[str, list[LedgerField]] = {}
    for f in fields:
        grouped.setdefault(f.ledger_type_id, []).append(f)
    return [defaults.from_records(t, grouped.get(t.id, [])) for t in live]


def _dictionaries(session: Session) -> dict[str, list[EntryView]]:
    out: dict[str, list[EntryView]] = {
        d: [EntryView(None, d, c, lab, n, True) for n, (c, lab) in enumerate(entries)]
        for d, entries in DEFAULTS.items()}
    rows = session.scalars(select(DictEntry).where(
        DictEntry.deleted.is_(False), DictEntry.grid_id.is_(None))
        .order_by(DictEntry.dict_code, DictEntry.sort, DictEntry.code)).all()
    synced: dict[str, list[EntryView]] = {}
    for r in rows:
        synced.setdefault(r.dict_code, []).append(
            EntryView(r.id, r.dict_code, r.code, r.label, r.sort or 0, bool(r.active)))
    out.update(synced)
    out.pop("plate_key", None)  # the door-plate signing key is not a list for people
    return dict(sorted(out.items()))


def dictionary_names() -> dict[str, str]:
    """A Chinese name for each dictionary: the label of the first column that uses it (the
    schema declares it once), else the code."""
    names: dict[str, str] = {"ledger_binding": "台账绑定对象", "ledger_field_type": "台账字段类型",
                             "tag": "人员标签", "park_kind": "园区类型",
                             "org_level": "组织层级"}
    for table in Base.metadata.sorted_tables:
        for col in table.columns:
            code = col.info.get("dict")
            if code and code not in names and col.info.get("label"):
                names[code] = col.info["label"]
    for t in defaults.LEDGER_TYPES:  # the ledgers' own option lists (饮水来源, 流转方式 …)
        for f in t.fields:
            if f.dict_code:
                names.setdefault(f.dict_code, f.label)
    return names


# -- changing the server (network lane) --------------------------------------------------------

def _clean(values: dict[str, Any]) -> dict[str, Any]:
    """Trim text; an empty optional text (unit, dictionary) is sent as null."""
    out: dict[str, Any] = {}
    for k, v in values.items():
        if isinstance(v, str):
            v = v.strip()
            if v == "" and k in ("unit", "dict_code"):
                v = None
        out[k] = v
    return out


class ConfigCentreService:
    """Online changes of a county admin. Thread: the network lane (each method makes one server
    call, then a sync); never holds the database itself (the sync opens its own transactions).

    `sync`: the profile's SyncService (its access token is used and renewed once when the
    server says it expired). `client`: makes an AdminClient for a URL and a token getter
    (tests may pass one bound to another transport)."""

    def __init__(self, sync: Any,
                 client: Callable[[str, Callable[[], str | None]], AdminClient] = AdminClient
                 ) -> None:
        self.sync = sync
        self._client = client

    @property
    def server_url(self) -> str:
        return self.sync.profile.server_url

    def check_online(self) -> list[dict[str, Any]]:
        """The server's ledger types (this also proves the sign-in is still good); raises
        DomainError server_unreachable when the server cannot be reached."""
        return self._call(lambda c: c.ledger_types())

    # ledger types and fields
    def add_type(self, *, code: str, name: str, binding: str, per_year: bool = True
                 ) -> ActionResult:
        body = _clean({"code": code, "name": name, "binding": binding, "per_year": per_year})
        return self._change(lambda c: c.create_type(body))

    def change_type(self, type_id: str, changes: dict[str, Any]) -> ActionResult:
        body = _clean(changes)
        return self._change(lambda c: c.change_type(type_id, body))

    def retire_type(self, type_id: str) -> ActionResult:
        return self._change(lambda c: c.retire_type(type_id))

    def add_field(self, type_id: str, *, code: str, label: str, field_type: str,
                  unit: str | None = None, dict_code: str | None = None,
                  required: bool = False) -> ActionResult:
        body = _clean({"code": code, "label": label, "field_type": field_type, "unit": unit,
                       "dict_code": dict_code, "required": required})
        return self._change(lambda c: c.add_field(type_id, body))

    def change_field(self, field_id: str, changes: dict[str, Any]) -> ActionResult:
        body = _clean(changes)
        return self._change(lambda c: c.change_field(field_id, body))

    def retire_field(self, field_id: str) -> ActionResult:
        return self._change(lambda c: c.retire_field(field_id))

    # dictionaries
    def add_entry(self, *, dict_code: str, code: str, label: str) -> ActionResult:
        body = _clean({"dict_code": dict_code, "code": code, "label": label})
        return self._change(lambda c: c.add_entry(body))

    def change_entry(self, entry_id: str, changes: dict[str, Any]) -> ActionResult:
        body = _clean(changes)
        return self._change(lambda c: c.change_entry(entry_id, body))

    # machinery
    def _change(self, call: Callable[[AdminClient], Any]) -> ActionResult:
        answer = self._call(call)
        try:
            self.sync.sync_now()
        except DomainError as err:
            if err.code == "device_revoked":
                raise
            return ActionResult(answer, False, err.message())
        return ActionResult(answer, True)

    def _call(self, call: Callable[[AdminClient], Any]) -> Any:
        # The sync service owns the tokens (kept inside the encrypted database); renewing
        # through it keeps one refresh path for the whole client.
        with self._client(self.server_url, self.sync.token) as client:
            try:
                return call(client)
            except DomainError as err:
                if err.code not in RENEW:
                    raise
            self.sync.renew_token()
            return call(client)


__all__ = ["ConfigCentreService", "ConfigView", "EntryView",
           "ActionResult", "load_config", "dictionary_names"]
