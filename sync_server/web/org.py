"""The org tree (/admin/org): every node of the user's scope with what its subtree holds;
add a child node, rename a node, retire one (refused while it holds records, accounts or
child nodes, saying how many); move one under another parent of the level above (services/org,
as POST /api/admin/org-nodes/{id}/move). Writes go through services/records, as /api/org-nodes
does."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from common.dictionaries import label as dict_label
from common.errors import DomainError
from common.schema import LEVELS, OrgNode

from ..api.deps import NowDep
from ..api.errors import status_of
from ..services import org, records
from ..services.scope import Scope
from .deps import (FormDep, PageSession, WebScopeDep, WebUserDep, errors_of, page_permission,
                   render)

router = APIRouter(prefix="/admin/org", include_in_schema=False,
                   dependencies=[page_permission("web:org")])


def _page(request: Request, session: Session, scope: Scope, *, status_code: int = 200,
          errors: dict[str, str] | None = None, at: str = "", values: dict[str, str] | None
          = None) -> Response:
    rows = org.tree(session, scope)
    names = {t.node.id: t.node.name for t in rows}
    by_level: dict[str, list[tuple[str, str]]] = {}
    if "move" in (values or {}):  # only the node being moved shows its choice of parents
        for t in rows:
            by_level.setdefault(t.node.level, []).append((t.node.id, _place(names, t.node)))
    return render(request, "org.html", status_code=status_code, title="组织架构", rows=rows,
                  errors=errors or {}, at=at, values=values or {},
                  parents=lambda node: ([] if node.level == LEVELS[0] else
                                        by_level.get(LEVELS[LEVELS.index(node.level) - 1], [])),
                  level_label=lambda code: dict_label("org_level", code),
                  child_level=lambda node: (LEVELS[LEVELS.index(node.level) + 1]
                                            if node.level != LEVELS[-1] else None))


def _place(names: dict[str, str], node: OrgNode) -> str:
    """A node as a select shows it: its ancestors' names in the scope, then its own."""
    return " / ".join(names[i] for i in node.path.strip("/").split("/") if i in names)


@router.get("")
def org_tree(request: Request, session: PageSession, signed: WebUserDep,
             scope: WebScopeDep, move: str = "") -> Response:
    """The tree; `move`: a node whose move form is open (its parents to choose from)."""
    if move:
        node = records.get_record(session, scope, OrgNode, move)
        return _page(request, session, scope, at=node.id, values={"move": node.parent_id or ""})
    return _page(request, session, scope)


def _write(request: Request, session: Session, scope: Scope, at: str, values: dict[str, str],
           work: Any) -> Response:
    try:
        with session.begin_nested():  # nothing half-written when a check refuses
            work()
    except DomainError as err:
        if err.code == "not_found":
            raise
        return _page(request, session, scope, status_code=status_of(err),
                     errors=errors_of(err), at=at, values=values)
    return RedirectResponse(f"/admin/org#n-{at}", status_code=303)


@router.post("/{node_id}/add")
def add_child(request: Request, node_id: str, session: PageSession, signed: WebUserDep,
              scope: WebScopeDep, now: NowDep, form: FormDep) -> Response:
    parent = records.get_record(session, scope, OrgNode, node_id)
    name = str(form.get("name") or "").strip()
    level = LEVELS[LEVELS.index(parent.level) + 1] if parent.level != LEVELS[-1] else "grid"
    values = {"parent_id": parent.id, "level": level, "name": name}
    return _write(request, session, scope, node_id, {"name": name},
                  lambda: records.create_record(session, scope, signed.user, OrgNode, values,
                                                now=now))


@router.post("/{node_id}/rename")
def rename(request: Request, node_id: str, session: PageSession, signed: WebUserDep,
           scope: WebScopeDep, now: NowDep, form: FormDep) -> Response:
    name = str(form.get("name") or "").strip()
    return _write(request, session, scope, node_id, {"rename": name},
                  lambda: records.update_record(session, scope, signed.user, OrgNode, node_id,
                                                {"name": name}, now=now))


@router.post("/{node_id}/retire")
def retire(request: Request, node_id: str, session: PageSession, signed: WebUserDep,
           scope: WebScopeDep, now: NowDep) -> Response:
    return _write(request, session, scope, node_id, {},
                  lambda: records.delete_record(session, scope, signed.user, OrgNode, node_id,
                                                now=now))


@router.post("/{node_id}/move")
def move(request: Request, node_id: str, session: PageSession, signed: WebUserDep,
         scope: WebScopeDep, now: NowDep, form: FormDep) -> Response:
    """Under another parent of the level above (its records' scope follows; logged)."""
    parent_id = str(form.get("parent_id") or "")
    return _write(request, session, scope, node_id, {"move": parent_id},
                  lambda: org.move_node(session, scope, signed.user, node_id,
                                        parent_id=parent_id, now=now))
