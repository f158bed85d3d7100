"""What every page is given: the task manager, the signed-in user, the clock, navigation, and the
profile's shared services (sync, photo store, dictionaries)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from desktop.services.sync import SyncService
from desktop.services.work_context import Worker
from desktop.tasks import TaskManager

if TYPE_CHECKING:  # annotations only: the ui never calls storage itself
    from desktop.storage.blobs import BlobStore

    from .sync.background import BackgroundSync
    from .widgets.labels import Labels


@dataclass(frozen=True)
class CurrentUser:
    """The signed-in user as the client knows it (from the profile)."""

    id: str
    username: str
    display_name: str
    role: str = "grid_worker"
    scope_node_id: str | None = None
    permissions: tuple[str, ...] | None = None
    """The pages and actions the server says the user's role has (None: not told yet)."""
    hidden_fields: dict[str, frozenset[str]] = field(default_factory=dict)
    """Per table, the fields the user's role does not see (the server's config centre, kept in
    the profile): forms and lists leave them out."""

    def visible(self, entity: Any, fields: Any) -> list[str]:
        """`fields` of `entity` without those the role does not see (the declared order)."""
        hidden = self.hidden_fields.get(entity.__tablename__, frozenset())
        return [f for f in fields if f not in hidden]

    def hides(self, entity: Any, key: str) -> bool:
        return key in self.hidden_fields.get(entity.__tablename__, frozenset())


def hidden_fields_of(value: Any) -> dict[str, frozenset[str]]:
    """The hidden fields the profile keeps ({table: [field, …]}) as CurrentUser holds them."""
    if not isinstance(value, dict):
        return {}
    return {str(t): frozenset(str(k) for k in keys) for t, keys in value.items()
            if isinstance(keys, list)}


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


@dataclass
class AppContext:
    """Handed to every page's constructor: `Page(ctx, parent=None)`.

    - `tasks`: run services off the GUI thread (`ctx.tasks.read(fn, on_success)` …);
    - `user`: who is signed in; `profile_dir`: the profile's folder;
    - `now()`: the clock (tests pass a fixed one);
    - `navigate(page_key, **kw)`: switch the main window to a page, passing e.g. `person_id=`
      to the page's `open_record(**kw)`;
    - `signed_out(reason)`: the session is over (the server revoked this device and its data
      was wiped): the application closes the window and shows the sign-in again;
    - `sync`: the profile's one SyncService (None: a profile with no server);
    - `blobs`: the profile's encrypted photo store (None: photos cannot be attached);
    - `dictionaries`: the synced dictionaries read at sign-in (None: the built-in ones);
    - `background_options`: keyword arguments for the main window's BackgroundSync (tests
      shorten its delays); `background`: that BackgroundSync, set by the main window;
    - `labels`: the Labels built from `dictionaries` (widgets/labels.labels_of fills it).
    """

    tasks: TaskManager
    user: CurrentUser
    profile_dir: Path | None = None
    now: Callable[[], dt.datetime] = _utcnow
    navigate: Callable[..., None] = lambda key, **kw: None
    signed_out: Callable[[str], None] = lambda reason: None
    sync: SyncService | None = None
    blobs: BlobStore | None = None
    dictionaries: dict[str, list[tuple[str, str]]] | None = None
    background_options: dict[str, Any] = field(default_factory=dict)
    background: BackgroundSync | None = None
    labels: Labels | None = None


def worker_of(ctx: AppContext) -> Worker:
    """The signed-in user as the services' acting worker (scope checks)."""
    return Worker(ctx.user.id, ctx.user.role, ctx.user.scope_node_id)


def local_today(ctx: AppContext) -> dt.date:
    """Today on the worker's wall calendar. The context's clock is UTC (stored stamps are UTC);
    a day's log or a task's due date belongs to the local day (Xinjiang is UTC+8)."""
    return ctx.now().replace(tzinfo=dt.timezone.utc).astimezone().date()


def local_day_end(ctx: AppContext) -> dt.datetime:
    """The end of the worker's local day, as a naive UTC time like the stored stamps."""
    local = ctx.now().replace(tzinfo=dt.timezone.utc).astimezone()
    end = (local + dt.timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return end.astimezone(dt.timezone.utc).replace(tzinfo=None)
