"""The main window's page list follows the permissions the server gave the user's role (kept in
the profile for offline starts); a profile the server has not told yet keeps the built-in roles'
list."""
from __future__ import annotations

import dataclasses

from hypothesis import given
from hypothesis import strategies as st

from common.permissions import APP_PAGES, SEEDED_ROLES
from common.schema import ROLES
from desktop.ui.main_window import MainWindow
from desktop.ui.pages import PAGES


def _window(ctx, qtbot, **user):
    ctx.user = dataclasses.replace(ctx.user, **user)
    window = MainWindow(ctx, [p for p in PAGES if p.key in ("home", "people", "config")])
    qtbot.addWidget(window)
    return window


def test_a_role_defined_on_the_server_sees_only_its_pages(ctx, qtbot):
    window = _window(ctx, qtbot, role="grid_worker", permissions=("app:people",))
    assert window.page_keys() == ["people"]


def test_the_server_may_open_the_config_centre_to_another_role(ctx, qtbot):
    window = _window(ctx, qtbot, role="grid_worker",
                     permissions=("app:home", "app:people", "app:config"))
    assert window.page_keys() == ["home", "people", "config"]


def test_without_word_from_the_server_the_built_in_role_decides(ctx, qtbot):
    assert _window(ctx, qtbot, role="grid_worker").page_keys() == ["home", "people"]


def test_the_seeded_roles_give_the_same_pages_as_before():
    for role, (_, perms) in SEEDED_ROLES.items():
        for spec in PAGES:
            assert spec.visible_to(role, perms) == spec.visible_to(role), (role, spec.key)


@given(st.sets(st.sampled_from(sorted(APP_PAGES))), st.sampled_from(ROLES))
def test_for_any_permissions_the_pages_shown_are_exactly_the_permitted_ones(perms, role):
    shown = {p.key for p in PAGES if p.visible_to(role, tuple(perms))}
    assert shown == {code.removeprefix("app:") for code in perms} & {p.key for p in PAGES}

