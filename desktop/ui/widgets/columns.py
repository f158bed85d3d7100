"""Table columns sized to what they hold: each column as wide as its header and the rows in
view need, up to a sensible maximum (a long note does not push the rest off-screen), and the
last column stretched over what is left or, when its text is longer, as wide as that text so
scrolling right shows all of it."""
from __future__ import annotations

from PySide6.QtWidgets import QTableView

MAX_WIDTH = 320


def _wanted(view: QTableView, column: int) -> int:
    return max(view.sizeHintForColumn(column), view.horizontalHeader().sectionSizeHint(column))


def last_visible_column(view: QTableView) -> int:
    header = view.horizontalHeader()
    for visual in range(header.count() - 1, -1, -1):
        logical = header.logicalIndex(visual)
        if not header.isSectionHidden(logical):
            return logical
    return -1


def fit_columns(view: QTableView, max_width: int = MAX_WIDTH) -> None:
    """Size every column to its content (capped at `max_width`), then the last one."""
    header = view.horizontalHeader()
    last = last_visible_column(view)
    for c in range(header.count()):
        if c != last and not header.isSectionHidden(c):
            header.resizeSection(c, min(_wanted(view, c), max_width))
    fit_last_column(view)


def fit_last_column(view: QTableView) -> None:
    """Stretch the last column over the free width, or make it as wide as its longest text
    when that does not fit (then the view scrolls to it)."""
    header = view.horizontalHeader()
    last = last_visible_column(view)
    if last < 0:
        return
    others = sum(header.sectionSize(c) for c in range(header.count())
                 if c != last and not header.isSectionHidden(c))
    wanted = _wanted(view, last)
    if wanted > view.viewport().width() - others:
        header.setStretchLastSection(False)
        header.resizeSection(last, wanted)
    else:
        header.setStretchLastSection(True)
