"""Workflow endpoints (issue 13): the county-wide lookup by full ID number (grid name and a
masked name only), filing a claim, taking a step on a request, and the user's review queue.
The work is services/workflows.py, the same functions the web pages and the sync push use."""
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from common.masking import mask

from ...services import workflows as svc
from ..deps import CurrentUser, NowDep, ScopeDep, SessionDep

router = APIRouter(prefix="/api/workflows", tags=["workflows"])
Text = Annotated[str, StringConstraints(max_length=500, strip_whitespace=True)]
NodeId = Annotated[str, StringConstraints(max_length=36)]
Number = Annotated[str, StringConstraints(max_length=24, strip_whitespace=True)]


class LookupRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id_number: Number = Field(title="公民身份号码")


class LookupAnswer(BaseModel):
    found: bool
    grid_name: str | None = None
    masked_name: str | None = None


class ClaimCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id_number: Number = Field(title="公民身份号码")
    to_node_id: NodeId = Field(title="目标网格")
    reason: Text | None = Field(default=None, title="申请理由")


class StepRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    state: Annotated[str, StringConstraints(max_length=16)] = Field(title="新状态")
    note: Text | None = Field(default=None, title="审核意见")


class RequestPublic(BaseModel):
    id: str
    kind: str
    state: str
    subject_name: str | None
    id_number: str | None
    from_node_id: str | None
    to_node_id: str | None
    assignee_node_id: str | None
    filed_by: str | None
    reason: str | None
    note: str | None
    due_date: str | None


def _public(row) -> RequestPublic:  # noqa: ANN001
    return RequestPublic(id=row.id, kind=row.kind, state=row.state,
                         subject_name=row.subject_name,
                         id_number=mask("id_number", row.id_number),
                         from_node_id=row.from_node_id, to_node_id=row.to_node_id,
                         assignee_node_id=row.assignee_node_id, filed_by=row.filed_by,
                         reason=row.reason, note=row.note,
                         due_date=row.due_date.isoformat() if row.due_date else None)


@router.post("/lookup", response_model=LookupAnswer)
def lookup(body: LookupRequest, session: SessionDep, user: CurrentUser,
           now: NowDep) -> LookupAnswer:
    """Who holds this ID number in the county: the grid's name and the masked name, nothing
    more (POST, so the number stays out of URLs and access logs)."""
    found = svc.find_by_id_number(session, user, body.id_number, now=now)
    if found is None:
        return LookupAnswer(found=False)
    return LookupAnswer(found=True, grid_name=found.grid_name, masked_name=found.masked_name)


@router.post("/claims", response_model=RequestPublic, status_code=201)
def claim(body: ClaimCreate, session: SessionDep, user: CurrentUser, scope: ScopeDep,
          now: NowDep) -> RequestPublic:
    return _public(svc.file_claim(session, user, scope, id_number=body.id_number,
                                  to_node_id=body.to_node_id, reason=body.reason, now=now))


@router.post("/{request_id}/steps", response_model=RequestPublic)
def take_step(request_id: NodeId, body: StepRequest, session: SessionDep, user: CurrentUser,
              scope: ScopeDep, now: NowDep) -> RequestPublic:
    return _public(svc.act(session, user, scope, request_id, body.state, body.note, now=now))


@router.get("/queue", response_model=list[RequestPublic])
def queue(session: SessionDep, user: CurrentUser) -> list[RequestPublic]:
    return [_public(r) for r in svc.queue(session, user)]
