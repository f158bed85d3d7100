"""Bring a server database to the current schema and seed its reference data."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from .. import migrations
from .engine import make_engine


def migrate(url: str | None = None, *, engine: Engine | None = None,
            now: dt.datetime | None = None) -> int:
    """Run Alembic to head, then add the missing default dictionary entries, ledger types and
    ledger fields, and the county's door-plate key if there is none (idempotent): a fresh server
    holds its reference data before anyone signs in.

    Pass a database URL or an engine. Returns the number of dictionary entries added.
    """
    from ..services.dictionaries import seed_dictionaries
    from ..services.ledger_admin import seed_ledger_types
    from ..services.plate_keys import ensure_plate_key

    own = engine is None
    engine = engine or make_engine(url or "")
    try:
        migrations.upgrade(engine=engine)
        now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
        with Session(engine) as session, session.begin():
            added = seed_dictionaries(session, now=now)
            seed_ledger_types(session, now=now)
            ensure_plate_key(session, now=now)
            return added
    finally:
        if own:
            engine.dispose()
