"""流程审核 pages (/admin/workflows): the review queue (approve, refuse or return each request),
my own requests (withdraw), claiming a person by full ID number, the migration records and every
request in scope. Thin routes over services/workflows.py, the functions the JSON API and the sync
push use."""
from __future__ import annotations

from html import escape

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from common import workflows as wf
from common.errors import DomainError
from common.masking import mask
from common.schema import OrgNode, Person, PersonMove, User, WorkRequest

from ..api.deps import NowDep
from ..api.errors import status_of
from ..services import records
from ..services import workflows as svc
from ..services.scope import Scope
from .deps import (FormDep, PageSession, WebScopeDep, WebUserDep, errors_of, page_permission,
                   render)
from .lists import ListQuery, ListSpec, choices, load

router = APIRouter(prefix="/admin/workflows", include_in_schema=False,
                   dependencies=[page_permission("web:workflows")])
MOVES = ListSpec.of(PersonMove)
REQUESTS = ListSpec.of(WorkRequest)
DECISION_LABELS = {wf.APPROVED: "通过", wf.REFUSED: "不通过", wf.RETURNED: "退回"}


def _names(session: Session) -> dict[str, str]:
    return {i: name for i, name in session.execute(select(OrgNode.id, OrgNode.name))}


def _user_names(session: Session, ids: set[str | None]) -> dict[str, str]:
    wanted = [i for i in ids if i]
    if not wanted:
        return {}
    return {i: name for i, name in session.execute(
        select(User.id, User.display_name).where(User.id.in_(wanted)))}


def _subject_name(session: Session, scope: Scope, r: WorkRequest) -> str:
    """The person's name as this user may see it: from the person's record when it is in
    their scope, else what the request shows (a claim's filer sees a masked name)."""
    person = session.get(Person, r.subject_id) if r.subject_id else None
    if person is not None and not person.deleted and scope.contains(session, person):
        return person.name
    return r.subject_name or ""


def _rows(session: Session, user: User, requests: list[WorkRequest]) -> list[dict]:
    nodes = _names(session)
    people = _user_names(session, {r.filed_by for r in requests})
    scope = Scope.of(session, user)
    out = []
    for r in requests:
        out.append({
            "id": r.id, "kind": wf.KINDS.get(r.kind, r.kind), "kind_code": r.kind,
            "state": wf.STATES.get(r.state, r.state), "name": _subject_name(session, scope, r),
            "id_number": mask("id_number", r.id_number) or "",
            "from": nodes.get(r.from_node_id or "", "（无网格）" if r.kind == wf.CLAIM else ""),
            "to": nodes.get(r.to_node_id or "", ""),
            "assignee": nodes.get(r.assignee_node_id or "", ""),
            "filer": people.get(r.filed_by or "", "系统" if not r.filed_by else ""),
            "filed_at": r.filed_at.strftime("%Y-%m-%d %H:%M") if r.filed_at else "",
            "due": r.due_date.isoformat() if r.due_date else "",
            "reason": r.reason or "", "note": r.note or "",
            "steps": wf.allowed_steps(r.kind, r.state, is_filer=r.filed_by == user.id,
                                      is_assignee=svc.is_assignee(session, user, r)),
        })
    return out


def _queue_page(request: Request, session: Session, signed, *, status_code: int = 200,
                errors: dict[str, str] | None = None, failed: str | None = None,
                note: str = "") -> Response:
    kind = request.query_params.get("kind") or None
    kind = kind if kind in wf.KINDS else None
    rows = _rows(session, signed.user, svc.queue(session, signed.user, kind=kind))
    county = bool(svc.chain_of(session, signed.user.scope_node_id)[-1:]
                  and svc.chain_of(session, signed.user.scope_node_id)[-1][1] == "county")
    return render(request, "workflows_queue.html", status_code=status_code, title="审核队列",
                  rows=rows, kinds=list(wf.KINDS.items()), kind=kind, errors=errors or {},
                  failed=failed, note=note, decisions=DECISION_LABELS, county=county,
                  months=svc.conversion_months(session))


@router.get("")
def review_queue(request: Request, session: PageSession, signed: WebUserDep) -> Response:
    return _queue_page(request, session, signed)


@router.post("/{request_id}/step")
def take_step(request_id: str, request: Request, session: PageSession, signed: WebUserDep,
              scope: WebScopeDep, now: NowDep, form: FormDep) -> Response:
    state = str(form.get("state") or "")
    note = str(form.get("note") or "")[:500]
    back = str(form.get("back") or "")
    # a resubmission may correct the reason (the field is on 我的申请 beside the button)
    reason = str(form.get("reason"))[:500] if state == wf.SUBMITTED and "reason" in form \
        else None
    try:
        svc.act(session, signed.user, scope, request_id, state, note, now=now, reason=reason)
    except DomainError as err:
        if err.code == "not_found":
            raise
        if back == "mine":
            return _mine_page(request, session, signed, status_code=status_of(err),
                              errors=errors_of(err), failed=request_id)
        return _queue_page(request, session, signed, status_code=status_of(err),
                           errors=errors_of(err), failed=request_id, note=note)
    return RedirectResponse("/admin/workflows/mine" if back == "mine" else "/admin/workflows",
                            status_code=303)


@router.post("/settings")
def save_settings(request: Request, session: PageSession, signed: WebUserDep, now: NowDep,
                  form: FormDep) -> Response:
    try:
        svc.set_conversion_months(session, signed.user, form.get("months"), now=now)
    except DomainError as err:
        if err.code == "forbidden":
            raise
        return _queue_page(request, session, signed, status_code=status_of(err),
                           errors=errors_of(err))
    return RedirectResponse("/admin/workflows", status_code=303)


def _mine_page(request: Request, session: Session, signed, *, status_code: int = 200,
               errors: dict[str, str] | None = None, failed: str | None = None) -> Response:
    rows = _rows(session, signed.user, svc.filed_by(session, signed.user))
    return render(request, "workflows_mine.html", status_code=status_code, title="我的申请",
                  rows=rows, errors=errors or {}, failed=failed)


@router.get("/mine")
def my_requests(request: Request, session: PageSession, signed: WebUserDep) -> Response:
    return _mine_page(request, session, signed)


def _grids(session: Session, scope) -> list[tuple[str, str]]:  # noqa: ANN001
    return [(n.id, n.name) for n in session.scalars(
        select(OrgNode).where(scope.condition(OrgNode), OrgNode.level == "grid",
                              OrgNode.deleted.is_(False)).order_by(OrgNode.path))]


def _claim_page(request: Request, session: Session, signed, scope, *,  # noqa: ANN001
                status_code: int = 200, errors: dict[str, str] | None = None,
                values: dict[str, str] | None = None, found: svc.Found | None = None,
                looked: bool = False) -> Response:
    return render(request, "workflows_claim.html", status_code=status_code, title="人员认领",
                  grids=_grids(session, scope), errors=errors or {}, values=values or {},
                  found=found, looked=looked)


@router.get("/claim")
def claim_form(request: Request, session: PageSession, signed: WebUserDep,
               scope: WebScopeDep) -> Response:
    return _claim_page(request, session, signed, scope)


@router.post("/claim/lookup")
def claim_lookup(request: Request, session: PageSession, signed: WebUserDep,
                 scope: WebScopeDep, now: NowDep, form: FormDep) -> Response:
    values = {"id_number": str(form.get("id_number") or "").strip()[:24]}
    try:
        found = svc.find_by_id_number(session, signed.user, values["id_number"], now=now)
    except DomainError as err:
        return _claim_page(request, session, signed, scope, status_code=status_of(err),
                           errors=errors_of(err), values=values)
    return _claim_page(request, session, signed, scope, values=values, found=found,
                       looked=True)


@router.post("/claim")
def claim_file(request: Request, session: PageSession, signed: WebUserDep, scope: WebScopeDep,
               now: NowDep, form: FormDep) -> Response:
    values = {k: str(form.get(k) or "").strip()[:500] for k in ("id_number", "to_node_id",
                                                               "reason")}
    try:
        svc.file_claim(session, signed.user, scope, id_number=values["id_number"],
                       to_node_id=values["to_node_id"], reason=values["reason"], now=now)
    except DomainError as err:
        errors = errors_of(err)
        if "grid_id" in errors:
            errors["to_node_id"] = errors.pop("grid_id")
        return _claim_page(request, session, signed, scope, status_code=status_of(err),
                           errors=errors, values=values, looked=True)
    return RedirectResponse("/admin/workflows/mine", status_code=303)


def _list(request: Request, session: Session, scope, spec_: ListSpec, *, title: str,  # noqa
          base_url: str) -> Response:
    query = ListQuery.parse(spec_, request.query_params)
    options = choices(session, spec_)
    labels = {k: dict(v) for k, v in options.items()}
    names = _names(session)
    for key in ("from_node_id", "to_node_id"):
        labels[key] = names
    page = load(session, scope, spec_, query, labels)
    name = "_list_table.html" if request.headers.get("hx-request") else "workflows_list.html"
    return render(request, name, title=title, spec=spec_, page=page, options=options,
                  base_url=base_url)


@router.get("/moves")
def moves(request: Request, session: PageSession, signed: WebUserDep,
          scope: WebScopeDep) -> Response:
    return _list(request, session, scope, MOVES, title="迁移记录",
                 base_url="/admin/workflows/moves")


@router.get("/requests")
def all_requests(request: Request, session: PageSession, signed: WebUserDep,
                 scope: WebScopeDep) -> Response:
    return _list(request, session, scope, REQUESTS, title="申请记录",
                 base_url="/admin/workflows/requests")


@router.post("/{area}/{record_id}/reveal/{field}")
def reveal(area: str, record_id: str, field: str, session: PageSession, signed: WebUserDep,
           scope: WebScopeDep, now: NowDep) -> Response:
    """The clear ID number of one row of a list; the reveal is in the operation log."""
    entity = {"moves": PersonMove, "requests": WorkRequest}.get(area)
    if entity is None or field != "id_number":
        raise DomainError("not_found")
    value = records.reveal_field(session, scope, signed.user, entity, record_id, field,
                                 now=now)
    return HTMLResponse(f'<span class="revealed">{escape(str(value or ""))}</span>')


@router.get("/{request_id}")
def request_detail(request_id: str, request: Request, session: PageSession,
                   signed: WebUserDep, scope: WebScopeDep) -> Response:
    steps = svc.history(session, scope, request_id)
    row = session.get(WorkRequest, request_id)
    people = _user_names(session, {s.actor_id for s in steps})
    history = [{"at": s.acted_at.strftime("%Y-%m-%d %H:%M"),
                "action": wf.ACTIONS.get(s.action, s.action),
                "state": wf.STATES.get(s.to_state, s.to_state),
                "actor": people.get(s.actor_id or "", "系统"), "note": s.note or ""}
               for s in steps]
    return render(request, "workflows_detail.html", title="申请详情",
                  row=_rows(session, signed.user, [row])[0], history=history)
