"""The registry pages (/admin/registry/<kind>): people, households, parks, buildings, units,
floors, houses, organisations and employees. One list, create/edit form, tombstone confirmation
and change history per kind, all derived from the field declaration (common/schema) and written
through services/records, the JSON routes' service (one door: the same validation, scope and
Chinese messages)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Date, Float, Integer
from sqlalchemy.orm import Session

from common.errors import DomainError, ValidationError, ValidationErrors
from common.schema import (Base, Building, BuildingUnit, Employee, Floor, House, Household,
                           Organisation, Park, Person, label_of)
from common.schema.fields import FieldSpec, facet_fields, form_fields, list_columns, specs

from ..api.deps import NowDep
from ..api.errors import status_of
from ..services import doorplates, field_guides, records, registry, workflows
from ..services.exports import may_export_clear
from ..services.scope import Scope
from ..services.sync_history import record_history
from .deps import (FormDep, PageSession, WebScopeDep, WebUserDep, errors_of, page_permission,
                   render)
from .exports import export_list
from .lists import ListQuery, ListSpec, choices, load

router = APIRouter(prefix="/admin/registry", include_in_schema=False,
                   dependencies=[page_permission("web:registry")])


@dataclass(frozen=True)
class Kind:
    slug: str
    entity: type[Base]
    label: str
    title_field: str

    @property
    def base_url(self) -> str:
        return f"/admin/registry/{self.slug}"


KINDS = {k.slug: k for k in (
    Kind("people", Person, "人口", "name"), Kind("households", Household, "户", "household_no"),
    Kind("parks", Park, "园区/小区", "name"), Kind("buildings", Building, "建筑", "name"),
    Kind("units", BuildingUnit, "单元", "name"), Kind("floors", Floor, "楼层", "number"),
    Kind("houses", House, "房屋", "door_plate"),
    Kind("organisations", Organisation, "单位", "name"),
    Kind("employees", Employee, "务工人员", "name"))}
BY_TABLE = {k.entity.__tablename__: k for k in KINDS.values()}
# Statuses a person leaves the register by: the edit asks to confirm, naming the person.
LEAVING = ("deceased", "moved_out")


def form_keys(entity: type[Base]) -> list[str]:
    """The declared form fields (or every field the user types when the declaration names
    none), then the references it lacks (household, house ...) and the grid last."""
    declared = form_fields(entity) or [s.key for s in specs(entity)
                                       if not s.derived and not s.ref]
    refs = [s.key for s in specs(entity) if s.ref and s.key not in declared]
    return declared + [k for k in refs if k != "grid_id"] + ["grid_id"]


def list_spec(entity: type[Base]) -> ListSpec:
    """ListSpec.of(entity) where the declaration names list columns; otherwise the typed
    fields in declared order, dictionary fields as facets."""
    if list_columns(entity):
        return ListSpec.of(entity)
    plain = tuple(s for s in specs(entity) if not s.ref and not s.derived)[:7]
    facets = tuple(f for f in facet_fields(entity) if f.dict_code) or tuple(
        s for s in plain if s.dict_code)
    return ListSpec(entity, plain, facets, {s.key: s.sensitive for s in plain if s.sensitive})


def _parse(entity: type[Base], keys: list[str], form: Any) -> dict[str, Any]:
    """The form's strings as the column types (empty: None); a wrong number or date is a
    field error in the same words as the client's."""
    values: dict[str, Any] = {}
    errors: list[ValidationError] = []
    for key in keys:
        raw = str(form.get(key) or "").strip()
        kind = entity.__table__.c[key].type
        label = label_of(entity, key)
        if not raw:
            values[key] = None
            continue
        try:
            if isinstance(kind, Integer):
                values[key] = int(raw)
            elif isinstance(kind, Float):
                values[key] = float(raw)
            elif isinstance(kind, Date):
                values[key] = dt.date.fromisoformat(raw)
            else:
                values[key] = raw
        except ValueError:
            code = "date_invalid" if isinstance(kind, Date) else "number_invalid"
            errors.append(ValidationError(code, key, label=label, value=raw))
    if errors:
        raise ValidationErrors(errors)
    return values


def _fields(session: Session, scope: Scope, kind: Kind) -> list[dict[str, Any]]:
    """Each form field: key, label, and the options of a dictionary or reference select."""
    out = []
    guides = field_guides.guides(session, kind.entity.__tablename__)  # config centre
    for key in form_keys(kind.entity):
        s: FieldSpec = next(x for x in specs(kind.entity) if x.key == key)
        options = None
        if s.dict_code:
            options = choices(session, ListSpec(kind.entity, (s,), (), {}))[key]
        elif s.ref:
            options = registry.reference_options(session, scope, s.ref)
        out.append({"key": key, "label": s.label, "options": options,
                    "required": not s.nullable or key == "grid_id",
                    "type": "date" if isinstance(kind.entity.__table__.c[key].type, Date)
                    else "text",
                    "guide": guides.get((kind.entity.__tablename__, key), ("", ""))})
    return out


def _values_of(row: Base, kind: Kind) -> dict[str, str]:
    return {k: "" if getattr(row, k) is None else str(getattr(row, k))
            for k in form_keys(kind.entity)}


def _form_page(request: Request, session: Session, scope: Scope, signed, kind: Kind, *,
               row: Base | None, values: dict[str, str], errors: dict[str, str] | None = None,
               status_code: int = 200, confirm: str | None = None) -> Response:
    extra: dict[str, Any] = {}
    if row is not None:
        extra["history"] = history_rows(session, scope, kind, row.id)
        extra.update(registry.details(session, scope, row))
        if kind.entity is House:
            extra["plate"] = _plate_or_message(session, scope, row.id)
        if kind.entity is Person:
            extra["transfer"] = _transfer_notice(session, row)
    return render(request, "registry_form.html", status_code=status_code,
                  title=f"{'修改' if row is not None else '新增'}{kind.label}", kind=kind,
                  row=row, fields=_fields(session, scope, kind), values=values,
                  errors=errors or {}, confirm=confirm, record_title=registry.title_of(row)
                  if row is not None else "", **extra)


def _transfer_notice(session: Session, person: Person) -> str:
    """What the form says while the person's move waits for the receiving grid."""
    pending = workflows.open_transfer(session, person.id)
    if pending is None:
        return ""
    target = workflows.node_name(session, pending.to_node_id)
    here = workflows.node_name(session, person.grid_id)
    return f"已提交人员转移申请：转入「{target}」须由该网格审核通过后生效，此前仍属「{here}」。"


def history_rows(session: Session, scope: Scope, kind: Kind, record_id: str
                 ) -> list[dict[str, Any]]:
    """Who changed which field from what to what, newest first (services/sync_history)."""
    out = []
    for entry in record_history(session, scope, kind.entity.__tablename__, record_id):
        old = entry["old_values"] or {}
        for key, new in sorted(entry["values"].items()):
            if key in ("id", "deleted") and new in (None, False):
                continue
            try:
                label = label_of(kind.entity, key)
            except KeyError:
                label = key
            out.append({"at": entry["at"][:19].replace("T", " "),
                        "who": _who(entry), "field": label,
                        "old": "" if old.get(key) is None else old.get(key),
                        "new": "" if new is None else new})
    return out


def _who(entry: dict[str, Any]) -> str:
    """The author of a change, with its source when it came from a batch import."""
    who = entry["actor_name"] or "设备同步"
    source = entry.get("source") or {}
    if source.get("kind") == "import":
        who += (f"（批量导入：{source.get('file')} 第 {source.get('row')} 行，"
                f"上传人 {source.get('uploader')}，审核人 {source.get('reviewer')}）")
    return who


def _list(kind: Kind):
    spec_ = list_spec(kind.entity)

    def page(request: Request, session: PageSession, signed: WebUserDep,
             scope: WebScopeDep) -> Response:
        query = ListQuery.parse(spec_, request.query_params)
        options = choices(session, spec_)
        labels = {k: dict(v) for k, v in options.items()}
        page_ = load(session, scope, spec_, query, labels)
        name = "_list_table.html" if request.headers.get("hx-request") else "registry_list.html"
        return render(request, name, title=kind.label, kind=kind, spec=spec_, page=page_,
                      options=options, base_url=kind.base_url, detail_url=kind.base_url,
                      may_clear=may_export_clear(signed.user))
    return page


def _export(kind: Kind):
    spec_ = list_spec(kind.entity)

    def page(request: Request, session: PageSession, signed: WebUserDep, scope: WebScopeDep,
             now: NowDep, form: FormDep) -> Response:
        """The filtered list as xlsx (masked unless `clear` and the role may; logged)."""
        query = ListQuery.parse(spec_, form)
        labels = {k: dict(v) for k, v in choices(session, spec_).items()}
        return export_list(request, session, scope, signed.user, spec_, query, labels,
                           title=kind.label, clear=form.get("clear") == "true", now=now)
    return page


def _new(kind: Kind):
    def page(request: Request, session: PageSession, signed: WebUserDep,
             scope: WebScopeDep) -> Response:
        values = {k: str(request.query_params.get(k, "")) for k in form_keys(kind.entity)}
        return _form_page(request, session, scope, signed, kind, row=None, values=values)
    return page


def _create(kind: Kind):
    def page(request: Request, session: PageSession, signed: WebUserDep, scope: WebScopeDep,
             now: NowDep, form: FormDep) -> Response:
        keys = form_keys(kind.entity)
        shown = {k: str(form.get(k) or "") for k in keys}
        try:
            values = {k: v for k, v in _parse(kind.entity, keys, form).items()
                      if v is not None}
            row = records.create_record(session, scope, signed.user, kind.entity, values,
                                        now=now)
        except DomainError as err:
            return _form_page(request, session, scope, signed, kind, row=None, values=shown,
                              errors=errors_of(err), status_code=status_of(err))
        return RedirectResponse(f"{kind.base_url}/{row.id}", status_code=303)
    return page


def _edit(kind: Kind):
    def page(record_id: str, request: Request, session: PageSession, signed: WebUserDep,
             scope: WebScopeDep) -> Response:
        row = records.get_record(session, scope, kind.entity, record_id)
        return _form_page(request, session, scope, signed, kind, row=row,
                          values=_values_of(row, kind))
    return page


def _update(kind: Kind):
    def page(record_id: str, request: Request, session: PageSession, signed: WebUserDep,
             scope: WebScopeDep, now: NowDep, form: FormDep) -> Response:
        row = records.get_record(session, scope, kind.entity, record_id)
        keys = form_keys(kind.entity)
        shown = {k: str(form.get(k) or "") for k in keys}
        try:
            values = _parse(kind.entity, keys, form)
            leaving = (kind.entity is Person and values.get("status") in LEAVING
                       and values["status"] != row.status)
            if leaving and form.get("confirmed") != "yes":
                status = registry.status_label(session, values["status"])
                return _form_page(request, session, scope, signed, kind, row=row,
                                  values=shown, status_code=409,
                                  confirm=f"确认将 {row.name} 登记为{status}吗？")
            records.update_record(session, scope, signed.user, kind.entity, record_id, values,
                                  now=now)
        except DomainError as err:
            row = records.get_record(session, scope, kind.entity, record_id)
            return _form_page(request, session, scope, signed, kind, row=row, values=shown,
                              errors=errors_of(err), status_code=status_of(err))
        return RedirectResponse(f"{kind.base_url}/{record_id}", status_code=303)
    return page


def _delete_confirm(kind: Kind):
    def page(record_id: str, request: Request, session: PageSession, signed: WebUserDep,
             scope: WebScopeDep) -> Response:
        row = records.get_record(session, scope, kind.entity, record_id)
        return render(request, "registry_delete.html", title=f"删除{kind.label}", kind=kind,
                      row=row, record_title=registry.title_of(row), error=None)
    return page


def _delete(kind: Kind):
    def page(record_id: str, request: Request, session: PageSession, signed: WebUserDep,
             scope: WebScopeDep, now: NowDep) -> Response:
        records.delete_record(session, scope, signed.user, kind.entity, record_id, now=now)
        return RedirectResponse(kind.base_url, status_code=303)
    return page


def _tags(kind: Kind):
    def page(record_id: str, request: Request, session: PageSession, signed: WebUserDep,
             scope: WebScopeDep, now: NowDep, form: FormDep) -> Response:
        row = records.get_record(session, scope, Person, record_id)
        current = records.tags_of(session, [row.id])[row.id]
        code = str(form.get("tag") or "")
        wanted = ([c for c in current if c != code] if form.get("remove")
                  else sorted({*current, code}))
        try:
            records.update_record(session, scope, signed.user, Person, record_id,
                                  {"tags": wanted}, now=now)
        except DomainError as err:
            row = records.get_record(session, scope, Person, record_id)
            return _form_page(request, session, scope, signed, kind, row=row,
                              values=_values_of(row, kind), status_code=status_of(err),
                              errors={"tag": err.message()})
        return RedirectResponse(f"{kind.base_url}/{record_id}", status_code=303)
    return page


def _plate_or_message(session: Session, scope: Scope, house_id: str
                      ) -> doorplates.Plate | str:
    """The house's door plate, or why there is none yet (the county key is missing)."""
    try:
        return doorplates.plate_of(session, scope, house_id)
    except DomainError as err:
        if err.code == "not_found":
            raise
        return err.message()


def _plate_label(record_id: str, request: Request, session: PageSession, signed: WebUserDep,
                 scope: WebScopeDep) -> Response:
    """A printable door-plate label (the page's print style prints the label alone, at the
    client's sticker size)."""
    plate = doorplates.plate_of(session, scope, record_id)
    return render(request, "plate_label.html", title=f"门牌标签：{plate.house.door_plate}",
                  plate=plate, kind=KINDS["houses"])


def _stats(request: Request, session: PageSession, signed: WebUserDep,
           scope: WebScopeDep, now: NowDep) -> Response:
    return render(request, "registry_stats.html", title="人口统计",
                  groups=registry.group_counts(session, scope, today=now.date()))


for _kind in KINDS.values():
    base = f"/{_kind.slug}"
    router.add_api_route(base, _list(_kind), methods=["GET"])
    router.add_api_route(f"{base}/export", _export(_kind), methods=["POST"])
    router.add_api_route(f"{base}/new", _new(_kind), methods=["GET"])
    router.add_api_route(f"{base}/new", _create(_kind), methods=["POST"])
    router.add_api_route(f"{base}/{{record_id}}", _edit(_kind), methods=["GET"])
    router.add_api_route(f"{base}/{{record_id}}", _update(_kind), methods=["POST"])
    router.add_api_route(f"{base}/{{record_id}}/delete", _delete_confirm(_kind),
                         methods=["GET"])
    router.add_api_route(f"{base}/{{record_id}}/delete", _delete(_kind), methods=["POST"])
router.add_api_route("/people/{record_id}/tags", _tags(KINDS["people"]), methods=["POST"])
router.add_api_route("/statistics", _stats, methods=["GET"])
router.add_api_route("/houses/{record_id}/plate", _plate_label, methods=["GET"])
