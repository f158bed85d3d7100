"""AssistantService: the one entry point of the 一张表 assistant for the page and the CLI.

Two steps so a person can confirm the mapping before anything is written: `inspect` opens the
file and guesses the table and the column mapping (a Plan); `run` applies the (corrected) plan,
reads the database once, writes the result to a new file and logs the export.
Runs on a worker thread (never the GUI thread); reads the database, writes only the log line.
"""
from __future__ import annotations

import datetime as dt
import gc
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session

from common.errors import DomainError
from desktop.services.records import load_dictionaries
from desktop.services.search import PeopleQuery

from . import jobs
from .files import check_output, save_atomic, save_workbook
from .jobs import JobReport, Progress
from .matching import DISAMBIGUATORS
from common.sheets.mapping import Column, apply_overrides, describe
from .population import Conditions, population, query_of, query_summary
from .records import PeopleIndex, load_people
from .sheets import Table, ValueBook, column_samples, find_tables, pick_table, read_book
from common.sheets.tables import load_workbook_bytes

if TYPE_CHECKING:  # complete and check on an .xlsx never import openpyxl
    from openpyxl.workbook import Workbook

JOBS = ("fill", "complete", "check")


@dataclass
class Plan:
    """An opened file, the table to work on and its column mapping (editable).

    `book` holds what tables were found in: an .xlsx's values (python-calamine) or a CSV's
    workbook. `workbook` (openpyxl, styles and all) is opened only when a job needs it: fill,
    and complete or check on a file xlsx_patch cannot edit directly."""

    path: Path
    book: Workbook | ValueBook
    table: Table
    tables: list[Table]
    samples: dict[int, list[str]] = field(default_factory=dict)  # column -> first values
    data: bytes | None = field(default=None, repr=False)  # the .xlsx file's bytes
    _workbook: Workbook | None = field(default=None, repr=False)

    @property
    def workbook(self) -> Workbook:
        if self._workbook is None:
            if not isinstance(self.book, ValueBook):
                self._workbook = self.book
            else:
                self._workbook = load_workbook_bytes(self.data, self.path.name)
        return self._workbook

    @property
    def columns(self) -> list[Column]:
        return self.table.columns

    def describe(self) -> list[tuple[str, str, str]]:
        return describe(self.table.columns)

    def set_field(self, index: int, field: str | None) -> None:
        """The user's correction of one column (by column number)."""
        self.table.columns = [replace(c, field=field, how="user", score=1.0)
                              if c.index == index else c for c in self.table.columns]

    def override(self, overrides: dict[str, str]) -> None:
        self.table.columns = apply_overrides(self.table.columns, overrides)


class AssistantService:
    """Owns nothing long-lived: a session factory over the common schema and who is working."""

    def __init__(self, sessions: Callable[[], Session], *, user_id: str | None = None) -> None:
        self._sessions = sessions
        self._user_id = user_id

    def inspect(self, path: str | Path, *, sheet: str | None = None,
                overrides: dict[str, str] | None = None) -> Plan:
        """Open the file and find its table. `overrides` (header -> field, as --map gives
        them) are applied to the mapping, and a header they name counts as recognised, so
        they rescue a sheet whose headers no synonym knows."""
        data, book = read_book(path)
        tables = find_tables(book, overrides)
        if sheet is None and tables:
            table = tables[0]
        else:
            table = pick_table(book, sheet, overrides)
        plan = Plan(Path(path), book, table, tables, column_samples(book, table),
                    data=data if isinstance(book, ValueBook) else None)
        if overrides:
            plan.override(overrides)
        return plan

    def run(self, job: str, plan: Plan, output: str | Path, *, today: dt.date,
            now: dt.datetime, conditions: Conditions | PeopleQuery | None = None,
            progress: Progress | None = None, overwrite: bool = False) -> JobReport:
        """Run `job` and save the result at `output` — checked before any work, written
        atomically; an existing file there is replaced only with `overwrite` (the page asks
        the user first; the command line needs --overwrite)."""
        if job not in JOBS:
            raise ValueError(job)
        out = check_output(output, overwrite=overwrite, source=plan.path)
        mapped = [c for c in plan.table.mapped() if c.field != "seq"]
        if not mapped:
            raise DomainError("assistant_no_columns")
        with_tags = any(c.field == "tags" for c in mapped)
        with self._sessions() as session:
            vocab = load_dictionaries(session)  # the synced ones (配置中心's entries included)
            if job == "fill":
                query = query_of(session, conditions or Conditions())
                people = population(session, query, today=today)
                report = jobs.fill(plan.workbook, plan.table, people, progress=progress,
                                   conditions=query_summary(session, query), vocab=vocab)
                save_workbook(plan.workbook, out)
            else:
                ids, names = jobs.sheet_keys(plan.book, plan.table)
                fields = {c.field for c in mapped} | set(DISAMBIGUATORS)

                def people_index() -> PeopleIndex:
                    with _small_page_cache(session):
                        return PeopleIndex.build(load_people(
                            session, today=today, id_numbers=ids, names=names,
                            with_tags=with_tags, fields=fields), vocab)
                with _no_cycle_collection():
                    report = self._patch(job, plan, people_index, out, progress)
                if report is None:
                    plan.table.cache.clear()  # read from the values: read again from cells
                    run = jobs.complete if job == "complete" else jobs.check
                    report = run(plan.workbook, plan.table, people_index(), progress=progress)
                    save_workbook(plan.workbook, out)
            self._log_export(session, job, plan, out, report, now)
        return report

    @staticmethod
    def _patch(job: str, plan: Plan, people_index: Callable[[], PeopleIndex], out: Path,
               progress: Progress | None) -> JobReport | None:
        """Complete or check by editing the user's .xlsx directly (xlsx_patch): only the
        changed cells, the styles they need, their comments and the summary sheet are
        written; everything else in the file is copied as it is. None when the file is not an
        .xlsx this can edit (the caller then uses openpyxl)."""
        if plan.data is None:
            return None
        from . import summary
        from .xlsx_patch import Unpatchable, patch
        cells = jobs.EditCells(plan.book[plan.table.sheet])
        report = jobs.JobReport(job, plan.table.sheet, plan.table.columns)
        # the people are let go before the file is written (memory: a 50,000-row sheet)
        jobs.compare_and_fill(cells, plan.table, job, people_index(), report, progress)
        rows = (summary.legend_rows if job == "complete" else summary.summary_rows)(report)
        try:
            pkg = patch(plan.data, plan.table.sheet, cells.edits,
                        new_sheet=summary.new_sheet(*rows), author=jobs.AUTHOR)
            save_atomic(pkg.write, out)  # a failure removes the partly written file
        except Unpatchable:
            return None
        return report

    def _log_export(self, session: Session, job: str, plan: Plan, out: Path,
                    report: JobReport, now: dt.datetime) -> None:
        log_export(session, self._user_id, "people", now, {
            "tool": "assistant", "job": job, "input": plan.path.name, "output": out.name,
            "rows": report.rows, "matched": report.matched,
            "fields": sorted({c.field for c in plan.table.mapped()})})


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Python's cycle collector paused for the block: a large sheet's job makes a few hundred
    thousand objects that live to its end (records, cell edits), and each collection of the
    oldest generation walked all of them again. Memory is unchanged: they are freed by
    reference counting; cycles made meanwhile are collected after the block."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


JOB_CACHE_KIB = 16384
"""The page cache (KiB) of the connection while a job reads its people. The rows are
fetched in the table's order and the ID numbers looked up sorted (records.load_people), so
each page is read about once: the profile's 256 MB cache (for searches that read the same
pages again) would only fill with pages not read again. 16 MB read 50,000 people of the
county with the CPU of 64 MB and 50 MB less memory; 4 MB cost a third more CPU."""


@contextmanager
def _small_page_cache(session: Session) -> Iterator[None]:
    """SQLite/SQLCipher only: the connection's page cache is JOB_CACHE_KIB for the block
    (lowering it frees the pages above it), then emptied and as large as it was."""
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        yield
        return
    before = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql(f"PRAGMA cache_size = -{JOB_CACHE_KIB:d}")
    try:
        yield
    finally:
        # the pages read are let go (a tiny cache first), then the cache may grow again
        conn.exec_driver_sql("PRAGMA cache_size = -256")
        conn.exec_driver_sql(f"PRAGMA cache_size = {int(before):d}")


def log_export(session: Session, user_id: str | None, entity: str, now: dt.datetime,
               detail: dict) -> None:
    """PIPL: every export of personal data is logged — on a client database, which has the
    operation log (the server's audit of its own command-line use is the server's business).
    Commits (the export has already happened)."""
    if not sa_inspect(session.connection()).has_table("operation_log"):
        return
    from desktop.storage.local_log import OperationLog
    session.add(OperationLog(at=now, user_id=user_id or "", action="export", entity=entity,
                             detail=detail))
    session.commit()
