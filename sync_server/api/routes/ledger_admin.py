"""Ledger-type endpoints (配置中心/台账): GET /api/ledger-types for everyone signed in; county
admins add, change and retire ledger types and their fields under /api/admin/."""
from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from common.ledger_types import LedgerDef

from ...services import ledger_admin as svc
from ..deps import ConfigEditor, CurrentUser, NowDep, SessionDep

router = APIRouter(tags=["ledgers"])
RecordId = Annotated[str, StringConstraints(max_length=64)]
# Lengths are bounded loosely here (a body of megabytes is refused early); the service checks
# the exact rules and names the field in its Chinese reason.
Text = Annotated[str, StringConstraints(max_length=200)]
Sort = Annotated[int, Field(ge=0, le=svc.SORT_MAX)]


class LedgerFieldPublic(BaseModel):
    """A ledger field on the wire: common.ledger_types.FieldDef's stored part (or the record's)."""
    model_config = ConfigDict(from_attributes=True)
    id: str
    ledger_type_id: str
    code: str
    label: str
    field_type: str
    unit: str | None
    dict_code: str | None
    required: bool
    sort: int


class LedgerTypePublic(BaseModel):
    id: str
    code: str
    name: str
    binding: str
    per_year: bool
    sort: int
    fields: list[LedgerFieldPublic]


class LedgerFieldCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: Text = Field(title="字段代码", description="小写英文字母开头，2–32 位，如 vaccinations")
    label: Text = Field(title="字段名称")
    field_type: Text = Field(title="字段类型", description="字典 ledger_field_type 的代码")
    unit: Text | None = Field(default=None, title="单位")
    dict_code: Text | None = Field(default=None, title="字典",
                                   description="字段类型为 dict 时必填：已有字典的代码")
    required: bool = Field(default=False, title="必填")
    sort: Sort | None = Field(default=None, title="排序")


class LedgerTypeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: Text = Field(title="台账代码", description="小写英文字母开头，2–32 位，如 beekeeping")
    name: Text = Field(title="台账名称")
    binding: Text = Field(title="绑定对象", description="字典 ledger_binding 的代码")
    per_year: bool = Field(default=True, title="按年度")
    sort: Sort | None = Field(default=None, title="排序")
    fields: list[LedgerFieldCreate] = Field(default_factory=list, max_length=200,
                                            title="字段")


class LedgerTypeUpdate(BaseModel):
    """`code` and `binding` are accepted only to refuse a change with a reason."""
    model_config = ConfigDict(extra="forbid")
    name: Text = Field(default=None, title="台账名称")
    sort: Sort = Field(default=None, title="排序")
    per_year: bool = Field(default=None, title="按年度")
    code: Text = Field(default=None, title="台账代码")
    binding: Text = Field(default=None, title="绑定对象")


class LedgerFieldUpdate(BaseModel):
    """`code`, `field_type` and `ledger_type_id` are accepted only to refuse a change."""
    model_config = ConfigDict(extra="forbid")
    label: Text = Field(default=None, title="字段名称")
    unit: Text | None = Field(default=None, title="单位")
    required: bool = Field(default=None, title="必填")
    sort: Sort = Field(default=None, title="排序")
    dict_code: Text | None = Field(default=None, title="字典")
    code: Text = Field(default=None, title="字段代码")
    field_type: Text = Field(default=None, title="字段类型")
    ledger_type_id: RecordId = Field(default=None, title="台账类型")


def _public(view: LedgerDef) -> LedgerTypePublic:
    return LedgerTypePublic(id=view.id, code=view.code, name=view.name, binding=view.binding,
                            per_year=view.per_year, sort=view.sort,
                            fields=[LedgerFieldPublic.model_validate(f) for f in view.fields])


@router.get("/api/ledger-types", response_model=list[LedgerTypePublic],
            summary="台账类型及其字段")
def types(_: CurrentUser, session: SessionDep) -> Any:
    return [_public(v) for v in svc.list_types(session)]


@router.post("/api/admin/ledger-types", response_model=LedgerTypePublic, status_code=201,
             summary="新增台账类型（可同时建字段）")
def create_type(body: LedgerTypeCreate, actor: ConfigEditor, session: SessionDep,
                now: NowDep) -> Any:
    return _public(svc.create_type(session, actor, now=now, **body.model_dump()))


@router.patch("/api/admin/ledger-types/{type_id}", response_model=LedgerTypePublic,
              summary="修改台账类型（改名、排序、是否按年度）")
def change_type(type_id: RecordId, body: LedgerTypeUpdate, actor: ConfigEditor,
                session: SessionDep, now: NowDep) -> Any:
    return _public(svc.change_type(session, actor, type_id,
                                   body.model_dump(exclude_unset=True), now=now))


@router.delete("/api/admin/ledger-types/{type_id}", status_code=204,
               summary="停用台账类型（已有台账记录保留）")
def retire_type(type_id: RecordId, actor: ConfigEditor, session: SessionDep,
                now: NowDep) -> None:
    svc.retire_type(session, actor, type_id, now=now)


@router.post("/api/admin/ledger-types/{type_id}/fields", response_model=LedgerFieldPublic,
             status_code=201, summary="为台账类型新增字段")
def add_field(type_id: RecordId, body: LedgerFieldCreate, actor: ConfigEditor,
              session: SessionDep, now: NowDep) -> Any:
    return LedgerFieldPublic.model_validate(
        svc.add_field(session, actor, type_id, body.model_dump(), now=now))


@router.patch("/api/admin/ledger-fields/{field_id}", response_model=LedgerFieldPublic,
              summary="修改台账字段（名称、单位、必填、排序、字典；代码和类型不能改）")
def change_field(field_id: RecordId, body: LedgerFieldUpdate, actor: ConfigEditor,
                 session: SessionDep, now: NowDep) -> Any:
    return LedgerFieldPublic.model_validate(
        svc.change_field(session, actor, field_id, body.model_dump(exclude_unset=True),
                         now=now))


@router.delete("/api/admin/ledger-fields/{field_id}", status_code=204,
               summary="停用台账字段（已有记录中的数值保留）")
def retire_field(field_id: RecordId, actor: ConfigEditor, session: SessionDep,
                 now: NowDep) -> None:
    svc.retire_field(session, actor, field_id, now=now)
