"""What every page is given: the task manager, the signed-in user, the clock, navigation."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from desktop.tasks import TaskManager


@dataclass(frozen=True)
class CurrentUser:
    """The signed-in user as the client knows it (from the profile)."""

    id: str
    username: str
    display_name: str
    role: str = "grid_worker"
    scope_node_id: str | None = None


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


@dataclass
class AppContext:
    """Handed to every page's constructor: `Page(ctx, parent=None)`.

    - `tasks`: run services off the GUI thread (`ctx.tasks.read(fn, on_success)` …);
    - `user`: who is signed in; `profile_dir`: the profile's folder;
    - `now()`: the clock (tests pass a fixed one);
    - `navigate(page_key, **kw)`: switch the main window to a page, passing e.g. `person_id=`
      to the page's optional `open_record(**kw)`;
    - `services`: objects other parts of the client share (e.g. the sync service), by name;
    - `signed_out(reason)`: the session is over (the server revoked this device and its data
      was wiped): the application closes the window and shows the sign-in again.
    """

    tasks: TaskManager
    user: CurrentUser
    profile_dir: Path | None = None
    now: Callable[[], dt.datetime] = _utcnow
    navigate: Callable[..., None] = lambda key, **kw: None
    services: dict[str, Any] = field(default_factory=dict)
    signed_out: Callable[[str], None] = lambda reason: None

    def sync_service(self) -> Any:
        """The profile's one SyncService (made on first use), or None without a profile."""
        service = self.services.get("sync")
        if service is None and self.services.get("profile") is not None:
            from desktop.services.sync import SyncService
            service = SyncService(self.services["profile"])
            self.services["sync"] = service
        return service
