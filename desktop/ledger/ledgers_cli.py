"""The ledger subcommands of `python -m desktop.ledger`: types, export, import."""
from __future__ import annotations

import argparse
import datetime as dt
import sys

from common.errors import DomainError

EXIT_OK, EXIT_ROWS_REFUSED = 0, 1


def run(args: argparse.Namespace, sessions) -> int:  # noqa: ANN001 - cli._sessions
    from desktop.assistant import ledgers
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    from desktop.assistant.files import check_output
    from desktop.assistant.service import log_export
    from desktop.assistant.sheets import sniff
    # checked before a password is asked or the database read
    if args.command == "export":
        check_output(args.output, overwrite=args.overwrite)
    elif args.command == "import":
        sniff(args.input)
    with sessions(args) as (factory, user_id, is_profile):
        with factory() as session:
            if args.command == "types":
                for d in ledgers.list_ledgers(session):
                    print(f"{d.code}\t{d.name}\t{'、'.join(d.headers())}")
                return EXIT_OK
            if args.command == "export":
                n = ledgers.export_ledger(session, args.ledger, args.output, year=args.year,
                                          overwrite=args.overwrite)
                log_export(session, user_id, "ledger_rows", now,
                           {"tool": "ledger", "ledger": args.ledger, "rows": n,
                            "output": str(args.output).rsplit("/", 1)[-1]})
                print(f"已导出 {n} 行：{args.output}")
                return EXIT_OK
            if not is_profile:
                # the server's database has no outbox: rows written there would never sync
                raise DomainError("ledger_import_profile_only")
            report = ledgers.import_ledger(session, args.ledger, args.input, now=now)
            session.commit()
    print(f"{report.ledger}：新增 {report.created} 行，更新 {report.updated} 行，"
          f"有误 {len(report.errors)} 行")
    for row, reason in report.errors:
        print(f"  第 {row} 行：{reason}", file=sys.stderr)
    return EXIT_ROWS_REFUSED if report.errors else EXIT_OK
