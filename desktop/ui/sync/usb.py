"""The sync page's “U 盘同步” button: export a sync bundle to a stick, import the answer bundle,
or (on an office computer with a network) relay other laptops' bundles. The work runs on the
task lanes (desktop/services/bundles.py); the widgets only pick files and show the outcome."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QMenu, QPushButton, QWidget

from common.sync.bundle import SUFFIX
from desktop.services import bundles

from ..widgets.errors import error_text
from ..widgets.file_dialogs import choose_folder, open_file, open_files

FILTER = f"同步包 (*{SUFFIX})"


def usb_button(page: Any) -> QPushButton:
    """A button with a menu of the three bundle actions, acting on `page` (a SyncPage)."""
    button = QPushButton("U 盘同步(&U)")
    button.setToolTip("没有信号时：导出同步包，带到联网电脑上转交，再把带回的回执包导入本机")
    menu = QMenu(button)
    page.usb_menu = menu  # tests reach the actions through it
    menu.addAction("导出同步包到 U 盘…", lambda: export_bundle(page))
    menu.addAction("导入回执包…", lambda: import_bundle(page))
    menu.addSeparator()
    menu.addAction("为其他笔记本转交同步包（本机需联网）…", lambda: relay_bundles(page))
    button.setMenu(menu)
    return button


def export_bundle(page: Any, folder: str | None = None) -> None:
    folder = folder if folder is not None else choose_folder(_widget(page), "选择 U 盘或文件夹")
    if not folder:
        return
    now, name = page.ctx.now(), getattr(page.ctx.user, "username", None) or "本机"
    store = page.ctx.blobs  # photos not yet sent travel inside the bundle
    page.state.setText("正在导出同步包…")
    page.tasks.write(lambda s: bundles.export_to(s, Path(folder), now=now, name=name,
                                                 store=store),
                     lambda r: _done(page, f"已导出同步包（{r[1].text()}）：{r[0]}。"
                                           "请带到联网电脑上转交，再把回执包导入本机"),
                     lambda e: _failed(page, e), touches="outbox")


def import_bundle(page: Any, path: str | None = None) -> None:
    path = path if path is not None else open_file(_widget(page), "选择回执包", "", FILTER)
    if not path:
        return
    now, store = page.ctx.now(), page.ctx.blobs
    page.state.setText("正在导入回执包…")
    page.tasks.write(lambda s: bundles.import_from(s, Path(path), now=now, store=store),
                     lambda r: _imported(page, r), lambda e: _failed(page, e),
                     touches="outbox")


def relay_bundles(page: Any, paths: list[str] | None = None) -> None:
    paths = paths if paths is not None else open_files(
        _widget(page), "选择要转交的同步包", "", FILTER)
    if not paths:
        return
    service = page._service()
    if service is None:
        _failed(page, "本机尚未连接服务器，请联网后重新登录再转交")
        return
    page.state.setText(f"正在转交 {len(paths)} 个同步包…")
    page.tasks.network(lambda: bundles.relay_files(service, [Path(p) for p in paths]),
                       lambda out: _done(page, f"已转交 {len(out)} 个同步包，回执包已存到原文件夹："
                                               + "、".join(p.name for p in out)),
                       lambda e: _failed(page, e), name="bundle")


def _imported(page: Any, result: bundles.ImportResult) -> None:
    if result.revoked:  # a lost laptop: clear it, as a network sync would
        service, now = page.ctx.sync, page.ctx.now()
        if service is not None:
            profile = service.profile
            page.tasks.network(lambda: bundles.wipe_if_revoked(result, profile, now=now),
                               None, lambda e: _failed(page, e), name="bundle")
        else:
            _failed(page, "本设备已被管理员停用，请联系管理员")
        return
    _done(page, result.text())
    page.ctx.tasks.data_changed.emit("")  # other pages reload what the answer brought


def _done(page: Any, text: str) -> None:
    page.state.setText(text)
    page.refresh()


def _failed(page: Any, exc: Any) -> None:
    text = exc if isinstance(exc, str) else f"同步包操作没有完成：{error_text(exc)}"
    page.state.setText(text)


def _widget(page: Any) -> QWidget:
    return page


__all__ = ["usb_button", "export_bundle", "import_bundle", "relay_bundles"]
