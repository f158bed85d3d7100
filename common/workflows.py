"""The workflow engine's rules, declared once: request kinds, states, who may move a request
from one state to another, and who is assigned to decide it.

A request (`common.schema.WorkRequest`) is a synced record. Devices file requests and withdraw
their own; only the assignee's level decides. The server enforces this table on every write path
(sync push, REST, web form: sync_server/services/workflows.py); the client asks the same table
before it offers a button. Pure: no database, clock or network.
"""
from __future__ import annotations

from dataclasses import dataclass

from .errors import DomainError

CLAIM = "claim"
POPULATION_REVIEW = "population_review"
FLOATING_CONVERSION = "floating_conversion"
TRANSFER = "transfer"
KINDS: dict[str, str] = {CLAIM: "人员认领", POPULATION_REVIEW: "人口审核",
                         FLOATING_CONVERSION: "流动人口转常住", TRANSFER: "人员转移"}

SUBMITTED, APPROVED, REFUSED, RETURNED, WITHDRAWN = (
    "submitted", "approved", "refused", "returned", "withdrawn")
STATES: dict[str, str] = {SUBMITTED: "待审核", APPROVED: "已通过", REFUSED: "未通过",
                          RETURNED: "已退回", WITHDRAWN: "已撤回"}
OPEN_STATES = frozenset({SUBMITTED})
"""States in which a request waits for its assignee."""
FINAL_STATES = frozenset({APPROVED, REFUSED, WITHDRAWN})

FILER, ASSIGNEE = "filer", "assignee"

# (from, to) -> who may take that step. The decisions a kind allows are in DECISIONS.
TRANSITIONS: dict[tuple[str, str], str] = {
    (SUBMITTED, WITHDRAWN): FILER,
    (RETURNED, SUBMITTED): FILER,      # corrected and filed again
    (RETURNED, WITHDRAWN): FILER,
    (SUBMITTED, APPROVED): ASSIGNEE,
    (SUBMITTED, REFUSED): ASSIGNEE,
    (SUBMITTED, RETURNED): ASSIGNEE,
}
DECISIONS: dict[str, frozenset[str]] = {
    CLAIM: frozenset({APPROVED, REFUSED, RETURNED}),
    POPULATION_REVIEW: frozenset({APPROVED, RETURNED}),
    FLOATING_CONVERSION: frozenset({APPROVED, REFUSED}),
    TRANSFER: frozenset({APPROVED, REFUSED, RETURNED}),
}
ACTIONS: dict[str, str] = {"file": "提交", "withdraw": "撤回", "resubmit": "重新提交",
                           "approve": "通过", "refuse": "不通过", "return": "退回",
                           "retarget": "更改目标网格"}
_ACTION_OF = {(SUBMITTED, WITHDRAWN): "withdraw", (RETURNED, WITHDRAWN): "withdraw",
              (RETURNED, SUBMITTED): "resubmit", (SUBMITTED, APPROVED): "approve",
              (SUBMITTED, REFUSED): "refuse", (SUBMITTED, RETURNED): "return"}

TRANSFER_REASON = "网格变更"
"""The reason of a transfer filed by an edit that changed an existing person's grid."""

NOTE_REQUIRED = frozenset({REFUSED, RETURNED})
"""A refusal or a return says why (the filer reads it)."""
DUE_DAYS = 7
"""A request is due this many days after it is filed."""
CONVERSION_MONTHS = 6
"""Default months of continuous residence before a floating resident is proposed for
conversion to permanent resident (a county setting overrides it)."""
PENDING, NORMAL = "pending", "normal"
"""person_status codes: a person held by a population review (not yet in the register), and
what an approval makes of them."""
FLOATING, PERMANENT = "floating", "permanent"
"""resident_type codes: 流动人口, and what a confirmed conversion makes of it (常住人口)."""

# Fields a request carries that nobody changes after it is filed (the server derives most).
FIXED_FIELDS = ("kind", "subject_entity", "subject_id", "id_number", "subject_name",
                "from_node_id", "to_node_id", "assignee_node_id", "filed_by", "filed_at",
                "payload", "due_date", "grid_id")
DECISION_FIELDS = ("state", "note")
"""What a filer or an assignee may change on a filed request (the server stamps the rest)."""
RESUBMIT_FIELDS = ("reason",)
"""What a filer may correct, besides the state, when filing a returned request again."""


def fields_allowed(before: str, after: str) -> tuple[str, ...]:
    """The request fields a step from `before` to `after` may change."""
    if (before, after) == (RETURNED, SUBMITTED):
        return DECISION_FIELDS + RESUBMIT_FIELDS
    return DECISION_FIELDS


@dataclass(frozen=True)
class Step:
    """One allowed move of a request: its action code and who took it."""

    action: str
    by: str


def step(kind: str, before: str, after: str, *, is_filer: bool, is_assignee: bool,
         note: str | None = None) -> Step:
    """The step from `before` to `after` for an actor who is (or is not) the request's filer
    and (or not) within its assignee's level; raises DomainError when the table forbids it.
    A filer never decides their own request, even when their level is the assignee's."""
    if kind not in KINDS:
        raise DomainError("workflow_unknown_kind", "kind", value=str(kind)[:32])
    who = TRANSITIONS.get((before, after))
    if who is None:
        raise DomainError("workflow_transition_forbidden", "state",
                          before=STATES.get(before, before), after=STATES.get(after, after))
    if who == ASSIGNEE:
        if after not in DECISIONS[kind]:
            raise DomainError("workflow_transition_forbidden", "state",
                              before=STATES.get(before, before), after=STATES.get(after, after))
        if is_filer or not is_assignee:
            raise DomainError("workflow_not_assignee", "state")
        if after in NOTE_REQUIRED and not (note or "").strip():
            raise DomainError("workflow_note_required", "note")
    elif not is_filer:
        raise DomainError("workflow_not_filer", "state")
    return Step(_ACTION_OF[(before, after)], who)


def check_pending(before: str | None, after: str | None) -> None:
    """A person's 待审核 status is set and lifted only by their population review (the server's
    workflow engine), never by a write: nobody skips the review by editing the status.
    `before`: the stored status (None: a new person); `after`: the status being written."""
    if (after == PENDING) != (before == PENDING):
        raise DomainError("person_pending_review", "status")


def allowed_steps(kind: str, state: str, *, is_filer: bool, is_assignee: bool) -> list[str]:
    """The states an actor may move a request to now (what buttons a page offers)."""
    out = []
    for (before, after), who in TRANSITIONS.items():
        if before != state:
            continue
        if who == FILER and is_filer:
            out.append(after)
        elif who == ASSIGNEE and is_assignee and not is_filer and after in DECISIONS[kind]:
            out.append(after)
    return out


def assignee_node(kind: str, *, subject_chain: list[tuple[str, str]],
                  target_chain: list[tuple[str, str]], filer_node: str | None) -> str | None:
    """The org node that decides a request. Chains are (node id, level) from the county down
    to the subject's current grid and to the request's target grid.

    - a claim: the person's current grid; the township of the target grid when the person has
      no grid;
    - a transfer (someone outside the target grid moved the person there): the target grid;
    - a population review or a conversion: the subject's grid, or its township when the filer
      works at that grid itself (nobody reviews their own registration)."""
    def township(chain: list[tuple[str, str]]) -> str | None:
        return next((n for n, level in chain if level == "township"), None)

    if kind == CLAIM:
        return subject_chain[-1][0] if subject_chain else township(target_chain)
    if kind == TRANSFER:
        return target_chain[-1][0] if target_chain else None
    chain = subject_chain or target_chain
    if not chain:
        return None
    grid = chain[-1][0]
    return township(chain) if filer_node == grid else grid


__all__ = ["KINDS", "STATES", "ACTIONS", "TRANSITIONS", "DECISIONS", "OPEN_STATES",
           "FINAL_STATES", "FIXED_FIELDS", "DECISION_FIELDS", "Step", "step", "allowed_steps",
           "assignee_node", "CLAIM", "POPULATION_REVIEW", "FLOATING_CONVERSION", "SUBMITTED",
           "APPROVED", "REFUSED", "RETURNED", "WITHDRAWN", "DUE_DAYS", "CONVERSION_MONTHS",
           "FLOATING", "PERMANENT", "TRANSFER", "TRANSFER_REASON", "NOTE_REQUIRED", "PENDING", "NORMAL", "RESUBMIT_FIELDS",
           "fields_allowed", "check_pending"]
