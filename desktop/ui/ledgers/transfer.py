"""The page's worker-thread jobs over the assistant's ledger tools: export (logged, as the CLI
logs it), import with progress, and a row's save and load with the import's rules. They run on
the task manager's lanes and touch no widget."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Callable

from sqlalchemy.orm import Session

from common.ledger_types import LedgerDef
from desktop.assistant.ledgers import ImportReport, export_ledger, import_ledger
from desktop.assistant.service import log_export
from desktop.services import ledgers
from desktop.services.work_context import grids_in_scope


def export_rows(session: Session, d: LedgerDef, path: str | Path, *, year: int | None,
                user_id: str, now: dt.datetime, scope_node_id: str | None) -> int:
    """Write the type's rows in the worker's scope (of `year`, or every year) to `path`; the
    export is logged."""
    n = export_ledger(session, d.code, path, year=year,
                      grids=grids_in_scope(session, scope_node_id))
    log_export(session, user_id, "ledger_rows", now,
               {"tool": "ledger_page", "ledger": d.code, "rows": n, "year": year,
                "output": Path(path).name})
    return n


def import_rows(session: Session, d: LedgerDef, path: str | Path, *, now: dt.datetime,
                progress: Callable[[int, int], None] | None = None) -> ImportReport:
    return import_ledger(session, d.code, path, now=now, progress=progress)


def save_row(session: Session, d: LedgerDef, row_id: str | None, values: dict[str, Any], *,
             key: str | None, year: Any, now: dt.datetime, scope_node_id: str | None) -> str:
    """Add or edit a row, validated with the import's rules, within the worker's scope."""
    return ledgers.save_row(session, d, row_id, values, key=key, year=year,
                            now=now, grids=grids_in_scope(session, scope_node_id))
