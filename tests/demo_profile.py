"""A client profile filled with the demo county (sync_server.demo.generate writes the shared
tables straight into the encrypted SQLCipher file), for screenshots and benchmarks."""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from common.schema import User
from desktop.storage import search_index
from desktop.storage.profiles import create_profile, open_profile

DEMO_NOW = dt.datetime(2026, 11, 24, 9, 0, 0)
PASSWORD = "demo-password-1"


def build_demo_profile(home: Path, *, scale: float, seed: int = 2026, role: str = "township",
                       name: str = "demo") -> dict:
    """Create (or reopen) profile `name` under `home` holding the demo county at `scale`.

    Returns {"profile": Profile, "user": User fields}. The signed-in user is the first township
    office account (role="township") or the county admin (role="county")."""
    os.environ["YZB_HOME"] = str(home)
    if (home / "profiles" / name / "key.json").exists():
        profile = open_profile(name, PASSWORD)
        return {"profile": profile, "user": dict(profile.info)}
    from sync_server.demo import generate  # tests may import both sides

    profile = create_profile(name, PASSWORD, server_url="http://127.0.0.1:8000")
    with profile.engine.begin() as conn:
        summary = generate(conn, scale=scale, seed=seed, now=DEMO_NOW)
    user_id = (next(iter(summary.township_offices.values()))
               if role == "township" and summary.township_offices else summary.admin_id)
    with Session(profile.engine) as s:
        u = s.execute(select(User).where(User.id == user_id)).scalar_one()
        info = {"username": u.username, "user_id": u.id, "display_name": u.display_name,
                "role": u.role, "scope_node_id": u.scope_node_id}
        search_index.refresh_index(s)
        s.commit()
    profile.update_info(**info)
    return {"profile": profile, "user": info}


def demo_signed_in(profile):  # noqa: ANN001, ANN201
    """A SignedIn for build_main_window."""
    from desktop.services.session import SignedIn
    return SignedIn(profile, created=False, offline=True)
