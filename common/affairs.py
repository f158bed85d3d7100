"""Online affairs (网上办事) and active reporting (主动上报), contract items 31, 32, 74, 75: the
rules declared once. A resident applies for a service the county configures, or reports a
situation about their household; staff of the handling level accept it, ask for more
material, approve, refuse, transfer or sign it. The table of steps below is the only place
that says who may move an application from one state to another; the server enforces it on
every path (sync_server/services/affairs.py) and the pages ask it which buttons to offer.
Pure: no database, clock or network.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import DomainError, ValidationError, ValidationErrors

SERVICE, REPORT = "service", "report"
KINDS = {SERVICE: "网上办事", REPORT: "主动上报"}

SUBMITTED, ACCEPTED, SUPPLEMENT, APPROVED, DONE, REFUSED = (
    "submitted", "accepted", "supplement", "approved", "done", "refused")
STATES = {SUBMITTED: "待受理", ACCEPTED: "办理中", SUPPLEMENT: "待补充材料", APPROVED: "已批准待签发",
          DONE: "已办结", REFUSED: "不予办理"}
OPEN_STATES = frozenset({SUBMITTED, ACCEPTED, SUPPLEMENT, APPROVED})
"""States in which an application waits for someone (its time limit runs)."""

STAFF, RESIDENT = "staff", "resident"


@dataclass(frozen=True)
class Action:
    """One step: its label, the states it starts from, the state it leads to (None: the
    same), who takes it, the kinds it applies to, and whether it needs a note."""

    label: str
    before: frozenset[str]
    after: str | None
    by: str
    kinds: frozenset[str]
    note_required: bool = False


_BOTH = frozenset({SERVICE, REPORT})
ACTIONS: dict[str, Action] = {
    "submit": Action("提交申请", frozenset(), SUBMITTED, RESIDENT, _BOTH),
    "accept": Action("受理", frozenset({SUBMITTED}), ACCEPTED, STAFF, _BOTH),
    "ask": Action("要求补充材料", frozenset({SUBMITTED, ACCEPTED}), SUPPLEMENT, STAFF, _BOTH,
                  note_required=True),
    "supply": Action("补充材料", frozenset({SUPPLEMENT}), ACCEPTED, RESIDENT, _BOTH),
    "approve": Action("批准", frozenset({ACCEPTED}), APPROVED, STAFF, frozenset({SERVICE})),
    "refuse": Action("不予办理", frozenset({SUBMITTED, ACCEPTED}), REFUSED, STAFF,
                     frozenset({SERVICE}), note_required=True),
    "transfer": Action("转办", frozenset({SUBMITTED, ACCEPTED}), SUBMITTED, STAFF, _BOTH,
                       note_required=True),
    "sign": Action("签发办结", frozenset({APPROVED}), DONE, STAFF, frozenset({SERVICE})),
    "close": Action("办结", frozenset({ACCEPTED}), DONE, STAFF, frozenset({REPORT}),
                    note_required=True),
}
"""What each step does. A refusal, a request for material, a transfer and a report's closing
say why: the resident reads it."""

STAFF_ACTIONS = tuple(k for k, a in ACTIONS.items() if a.by == STAFF)

LEVELS = {"township": "乡镇（街道）", "grid": "网格"}
"""Which level of the resident's address handles a service."""
MATERIAL_KINDS = {"photo": "照片", "pdf": "PDF 文件", "any": "照片或 PDF"}
REPORT_TYPES = {"work_away": "外出务工", "family_change": "家庭变故", "hardship": "生活困难",
                "moved": "搬迁/住址变化", "health": "重大疾病", "other": "其他情况"}
"""What a resident may report about themselves or their household (主动上报)."""

NAME_MAX, DESCRIPTION_MAX, MATERIAL_LABEL_MAX, NOTE_MAX, TEXT_MAX = 40, 500, 30, 300, 500
MAX_MATERIALS = 8
DAYS_RANGE = (1, 60)


def step(kind: str, action: str, state: str | None, *, by: str,
         note: str | None = None) -> str:
    """The state `action` leads to from `state`, for an actor of kind `by`; raises DomainError
    when the table forbids it or the note it needs is missing."""
    rule = ACTIONS.get(action)
    if rule is None or kind not in rule.kinds or rule.by != by:
        raise DomainError("affair_action_unknown", "action", action=str(action)[:20])
    if (state is None) != (not rule.before) or (state is not None and state not in rule.before):
        raise DomainError("affair_step_forbidden", "action", action=rule.label,
                          state=STATES.get(state or "", state or "—"))
    if rule.note_required and not (note or "").strip():
        raise ValidationErrors([ValidationError("affair_note_required", "note",
                                                action=rule.label)])
    if note and len(note.strip()) > NOTE_MAX:
        raise ValidationErrors([ValidationError("too_long", "note", label="说明",
                                                max=NOTE_MAX, length=len(note.strip()))])
    return rule.after or state or SUBMITTED


def allowed(kind: str, state: str, *, by: str) -> list[str]:
    """The actions an actor of kind `by` may take now (what buttons a page offers)."""
    return [k for k, a in ACTIONS.items()
            if a.by == by and kind in a.kinds and state in a.before]


def _text(value: Any, field: str, label: str, limit: int, *, required: bool,
          errors: list[ValidationError]) -> str:
    text = str(value or "").strip()
    if required and not text:
        errors.append(ValidationError("required", field, label=label))
    elif len(text) > limit:
        errors.append(ValidationError("too_long", field, label=label, max=limit,
                                      length=len(text)))
    return text


def check_service(values: dict[str, Any]) -> dict[str, Any]:
    """A service's configuration cleaned (name, description, level, days, materials as a list
    of {label, required, kind}), or ValidationErrors naming every wrong field at once.
    Materials arrive as parallel lists material_label / material_kind / material_required
    (indexes of the required ones); a row with an empty label is left out."""
    errors: list[ValidationError] = []
    name = _text(values.get("name"), "name", "事项名称", NAME_MAX, required=True, errors=errors)
    description = _text(values.get("description"), "description", "办理说明", DESCRIPTION_MAX,
                        required=False, errors=errors)
    level = str(values.get("level") or "")
    if level not in LEVELS:
        errors.append(ValidationError("required", "level", label="办理层级"))
    days_text = str(values.get("days") or "").strip()
    low, high = DAYS_RANGE
    days = int(days_text) if days_text.isdigit() and len(days_text) < 4 else -1
    if not low <= days <= high:
        errors.append(ValidationError("affair_days", "days", low=low, high=high,
                                      value=days_text[:10]))
    labels = list(values.get("material_label") or [])
    kinds = list(values.get("material_kind") or [])
    required = {str(x) for x in values.get("material_required") or []}
    materials = []
    for i, raw in enumerate(labels):
        label = str(raw or "").strip()
        if not label:
            continue
        if len(label) > MATERIAL_LABEL_MAX:
            errors.append(ValidationError("too_long", "materials", label=f"材料 {i + 1} 名称",
                                          max=MATERIAL_LABEL_MAX, length=len(label)))
            continue
        kind = str(kinds[i]) if i < len(kinds) else ""
        if kind not in MATERIAL_KINDS:
            errors.append(ValidationError("affair_material_kind", "materials", n=i + 1))
            continue
        materials.append({"label": label, "kind": kind, "required": str(i) in required})
    if len(materials) > MAX_MATERIALS:
        errors.append(ValidationError("affair_too_many_materials", "materials",
                                      max=MAX_MATERIALS))
    if len({m["label"] for m in materials}) != len(materials):
        errors.append(ValidationError("affair_material_twice", "materials"))
    if errors:
        raise ValidationErrors(errors)
    return {"name": name, "description": description, "level": level, "days": days,
            "materials": materials}


__all__ = ["SERVICE", "REPORT", "KINDS", "STATES", "OPEN_STATES", "ACTIONS", "STAFF_ACTIONS",
           "LEVELS", "MATERIAL_KINDS", "REPORT_TYPES", "Action", "step", "allowed",
           "check_service", "SUBMITTED", "ACCEPTED", "SUPPLEMENT", "APPROVED", "DONE",
           "REFUSED", "STAFF", "RESIDENT"]
