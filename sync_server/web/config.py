"""The config centre (/admin/config, 配置中心) of a county admin: which fields of each table each
role sees (services/field_visibility) and the dictionaries, tags and code types
(services/dictionary_admin, the same functions as /api/admin/dictionaries), the ledger types,
and the form guides and examples of each table's fields (services/field_guides)."""
from __future__ import annotations

from collections import Counter
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from common.dictionaries import DEFAULTS
from common.errors import DomainError, ValidationErrors

from ..api.deps import NowDep
from ..api.errors import status_of
from ..services import dictionary_admin, field_guides, field_visibility, ledger_admin
from .deps import FormDep, PageSession, WebUserDep, errors_of, page_permission, render

router = APIRouter(prefix="/admin/config", include_in_schema=False,
                   dependencies=[page_permission("web:config")])
DICT_NAMES = {"tag": "人员标签", "role": "角色", "ethnicity": "民族", "org_level": "组织层级"}


# --- field visibility per role ---------------------------------------------------------------

def _fields_page(request: Request, session: Session, table: str, *, errors=None,
                 hidden=None, status_code: int = 200) -> Response:
    fields = field_visibility.fields_of(table)
    return render(request, "config_fields.html", status_code=status_code,
                  title="配置中心 · 字段权限", table=table, tables=_tables(), fields=fields,
                  roles=field_visibility.ROLES, locked=fields[0][0],
                  hidden=hidden or field_visibility.visibility(session, table),
                  errors=errors or {})


def _tables() -> list[tuple[str, str]]:
    return [(k, e.__label__ or k) for k, e in field_visibility.TABLES.items()]


@router.get("")
def config_home(signed: WebUserDep) -> Response:
    return RedirectResponse("/admin/config/fields", status_code=303)


@router.get("/fields")
def fields_page(request: Request, session: PageSession, signed: WebUserDep) -> Response:
    table = request.query_params.get("table") or "people"
    return _fields_page(request, session, table)


@router.post("/fields")
def save_fields(request: Request, session: PageSession, signed: WebUserDep, now: NowDep,
                form: FormDep) -> Response:
    """The form has a checkbox `visible` = "role.field" for each field a role sees."""
    table = str(form.get("table") or "")
    fields = [k for k, _ in field_visibility.fields_of(table)]
    seen = {str(v) for v in form.getlist("visible")}
    hidden = {role: {k for k in fields if f"{role}.{k}" not in seen}
              for role in field_visibility.ROLES}
    try:
        field_visibility.set_hidden(session, signed.user, table, hidden, now=now)
    except ValidationErrors as err:
        return _fields_page(request, session, table, errors=errors_of(err),
                            hidden={r: frozenset(v) for r, v in hidden.items()},
                            status_code=status_of(err))
    return RedirectResponse(f"/admin/config/fields?table={table}&saved=1", status_code=303)


# --- dictionaries, tags and code types -------------------------------------------------------

def _dict_page(request: Request, session: Session, dict_code: str, *, errors=None,
               values=None, status_code: int = 200) -> Response:
    entries = dictionary_admin.list_entries(session, include_inactive=True)
    counts = Counter(e.dict_code for e in entries)
    names = {**{k: k for k in DEFAULTS}, **DICT_NAMES}
    return render(request, "config_dicts.html", status_code=status_code,
                  title="配置中心 · 字典", dicts=sorted(counts.items()), names=names,
                  current=dict_code, entries=[e for e in entries if e.dict_code == dict_code],
                  errors=errors or {}, values=values or {})


@router.get("/dictionaries")
def dictionaries(request: Request, session: PageSession, signed: WebUserDep) -> Response:
    return _dict_page(request, session, request.query_params.get("dict") or "tag")


@router.post("/dictionaries")
def add_entry(request: Request, session: PageSession, signed: WebUserDep, now: NowDep,
              form: FormDep) -> Response:
    """A new entry, or (with a new `dict_code`) a new code type with its first entry."""
    values = {k: str(form.get(k) or "").strip() for k in ("dict_code", "code", "label")}
    try:
        dictionary_admin.add_entry(session, signed.user, now=now, sort=None, **values)
    except DomainError as err:
        return _dict_page(request, session, values["dict_code"] or "tag",
                          errors=errors_of(err), values=values, status_code=status_of(err))
    return RedirectResponse(f"/admin/config/dictionaries?dict={values['dict_code']}",
                            status_code=303)


@router.post("/dictionaries/{entry_id}")
def change_entry(entry_id: str, request: Request, session: PageSession, signed: WebUserDep,
                 now: NowDep, form: FormDep) -> Response:
    """Rename an entry (`label`) or retire/restore it (`active` = "0"/"1")."""
    changes: dict[str, Any] = {}
    if "label" in form:
        changes["label"] = str(form.get("label") or "").strip()
    if "active" in form:
        changes["active"] = form.get("active") == "1"
    dict_code = str(form.get("dict_code") or "tag")
    try:
        dictionary_admin.change_entry(session, signed.user, entry_id, changes, now=now)
    except DomainError as err:
        return _dict_page(request, session, dict_code,
                          errors={f"{entry_id}.{k}": v for k, v in errors_of(err).items()},
                          status_code=status_of(err))
    return RedirectResponse(f"/admin/config/dictionaries?dict={dict_code}", status_code=303)


# --- ledger types and their fields -----------------------------------------------------------

def _ledger_page(request: Request, session: Session, *, errors=None, values=None,
                 status_code: int = 200) -> Response:
    return render(request, "config_ledgers.html", status_code=status_code,
                  title="配置中心 · 台账类型", types=ledger_admin.list_types(session),
                  bindings=DEFAULTS["ledger_binding"], field_types=DEFAULTS["ledger_field_type"],
                  errors=errors or {}, values=values or {})


@router.get("/ledgers")
def ledgers(request: Request, session: PageSession, signed: WebUserDep) -> Response:
    return _ledger_page(request, session)


@router.post("/ledgers")
def create_ledger(request: Request, session: PageSession, signed: WebUserDep, now: NowDep,
                  form: FormDep) -> Response:
    """A new ledger type (the same service as POST /api/admin/ledger-types)."""
    values = {k: str(form.get(k) or "").strip() for k in ("code", "name", "binding")}
    try:
        ledger_admin.create_type(session, signed.user, now=now,
                                 per_year=form.get("per_year") == "1", **values)
    except DomainError as err:
        return _ledger_page(request, session, errors=errors_of(err), values=values,
                            status_code=status_of(err))
    return RedirectResponse("/admin/config/ledgers", status_code=303)


@router.post("/ledgers/{type_id}/fields")
def add_ledger_field(type_id: str, request: Request, session: PageSession,
                     signed: WebUserDep, now: NowDep, form: FormDep) -> Response:
    """A new field of a ledger type."""
    spec: dict[str, Any] = {k: str(form.get(k) or "").strip()
                            for k in ("code", "label", "field_type")}
    spec["required"] = form.get("required") == "1"
    try:
        ledger_admin.add_field(session, signed.user, type_id, spec, now=now)
    except DomainError as err:
        return _ledger_page(request, session, status_code=status_of(err),
                            errors={f"{type_id}.{k}": v for k, v in errors_of(err).items()},
                            values={type_id: spec})
    return RedirectResponse("/admin/config/ledgers", status_code=303)


@router.post("/ledgers/{type_id}/retire")
def retire_ledger(type_id: str, session: PageSession, signed: WebUserDep,
                  now: NowDep) -> Response:
    ledger_admin.retire_type(session, signed.user, type_id, now=now)
    return RedirectResponse("/admin/config/ledgers", status_code=303)


# --- form guides and examples ----------------------------------------------------------------

def _guides_page(request: Request, session: Session, table: str, *, errors=None, values=None,
                 status_code: int = 200) -> Response:
    fields = field_guides.fields_of(table)
    stored = field_guides.guides(session, table)
    return render(request, "config_guides.html", status_code=status_code,
                  title="配置中心 · 填写说明", table=table, fields=fields,
                  tables=[(k, e.__label__ or k) for k, e in field_guides.TABLES.items()],
                  values=values or {k: stored.get((table, k), ("", "")) for k, _ in fields},
                  errors=errors or {}, limits=field_guides.LIMITS)


@router.get("/guides")
def guides_page(request: Request, session: PageSession, signed: WebUserDep) -> Response:
    return _guides_page(request, session, request.query_params.get("table") or "people")


@router.post("/guides")
def save_guides(request: Request, session: PageSession, signed: WebUserDep, now: NowDep,
                form: FormDep) -> Response:
    """The form has `<field>.guide` and `<field>.example` for each field of the table."""
    table = str(form.get("table") or "")
    values = {k: (str(form.get(f"{k}.guide") or ""), str(form.get(f"{k}.example") or ""))
              for k, _ in field_guides.fields_of(table)}
    try:
        field_guides.save_guides(session, signed.user, table, values, now=now)
    except ValidationErrors as err:
        return _guides_page(request, session, table, errors=errors_of(err), values=values,
                            status_code=status_of(err))
    return RedirectResponse(f"/admin/config/guides?table={table}&saved=1", status_code=303)
