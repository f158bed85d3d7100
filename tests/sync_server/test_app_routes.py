"""create_app serves every route module of sync_server/api/routes: a module added there but
left out of the router list, or one that fails to import, fails here instead of vanishing."""
from __future__ import annotations

import importlib
import pkgutil

from sync_server.api import routes


def _module_paths() -> dict[str, set[str]]:
    out = {}
    for info in pkgutil.iter_modules(routes.__path__):
        module = importlib.import_module(f"{routes.__name__}.{info.name}")
        routers = module.routers() if hasattr(module, "routers") else [module.router]
        out[info.name] = {r.path for router in routers for r in router.routes}
    return out


def test_every_route_module_is_in_the_app_and_its_openapi(server):
    served = set(server.app.openapi()["paths"])
    modules = _module_paths()
    assert {"auth", "records", "sync", "admin", "ledger_admin", "snapshots"} <= set(modules)
    for name, paths in modules.items():
        assert paths, name
        missing = {p for p in paths if p not in served}
        assert not missing, f"{name}: {sorted(missing)}"
