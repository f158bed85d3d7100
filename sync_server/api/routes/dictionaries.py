"""Dictionary endpoints: GET /api/dictionaries for everyone signed in; county admins add and
change entries under /api/admin/dictionaries."""
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ...services import dictionary_admin as svc
from ..deps import ConfigEditor, CurrentUser, NowDep, SessionDep

router = APIRouter(tags=["dictionaries"])
Code = Annotated[str, StringConstraints(min_length=1, max_length=32, strip_whitespace=True)]
EntryId = Annotated[str, StringConstraints(max_length=64)]
Label = Annotated[str, StringConstraints(min_length=1, max_length=64, strip_whitespace=True)]


class DictEntryPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    dict_code: str
    code: str
    label: str
    sort: int
    active: bool


class DictEntryCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dict_code: Code = Field(title="字典")
    code: Code = Field(title="代码")
    label: Label = Field(title="名称")
    sort: int | None = Field(default=None, ge=0, le=1_000_000, title="排序")


class DictEntryUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: Label = Field(default=None, title="名称")
    sort: int = Field(default=None, ge=0, le=1_000_000, title="排序")
    active: bool = Field(default=None, title="启用")


@router.get("/api/dictionaries", response_model=list[DictEntryPublic], summary="字典项")
def entries(_: CurrentUser, session: SessionDep,
            dict_code: Annotated[Code | None, Query(title="字典")] = None,
            include_inactive: bool = False) -> Any:
    return svc.list_entries(session, dict_code, include_inactive)


@router.post("/api/admin/dictionaries", response_model=DictEntryPublic, status_code=201,
             summary="新增字典项")
def add(body: DictEntryCreate, actor: ConfigEditor, session: SessionDep, now: NowDep) -> Any:
    row = svc.add_entry(session, actor, now=now, **body.model_dump())
    return DictEntryPublic.model_validate(row)


@router.patch("/api/admin/dictionaries/{entry_id}", response_model=DictEntryPublic,
              summary="修改字典项（改名、排序、停用）")
def change(entry_id: EntryId, body: DictEntryUpdate, actor: ConfigEditor, session: SessionDep,
           now: NowDep) -> Any:
    row = svc.change_entry(session, actor, entry_id, body.model_dump(exclude_unset=True),
                           now=now)
    return DictEntryPublic.model_validate(row)
