"""Where results are written: checked before any work, saved whole or not at all.

An output is checked first (its folder exists and is writable, it is not the input, it does not
exist unless replacing it was asked for), so a job never runs for minutes and then fails at
the end. A workbook is saved to a temporary file beside the target and renamed over it
(os.replace, atomic on one file system): a failed save leaves no broken .xlsx and never
destroys the file that was there.
"""
from __future__ import annotations

import errno
import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from common.errors import DomainError

if TYPE_CHECKING:
    from openpyxl.workbook import Workbook


def check_output(path: str | Path, *, overwrite: bool = False,
                 source: str | Path | None = None) -> Path:
    """The output path, or DomainError with a code saying why it cannot be written."""
    out = Path(path)
    if source is not None and out.resolve() == Path(source).resolve():
        raise DomainError("sheet_same_output", value=str(out))
    folder = out.parent
    if not folder.is_dir():
        raise DomainError("output_folder_missing", value=str(folder))
    if out.is_dir():
        raise DomainError("output_is_folder", value=str(out))
    if out.exists() and not overwrite:
        raise DomainError("output_exists", value=str(out))
    if not os.access(folder, os.W_OK | os.X_OK) or out.exists() and not os.access(out, os.W_OK):
        raise DomainError("output_not_writable", value=str(out))
    return out


def save_workbook(wb: Workbook, path: str | Path) -> None:
    """Save `wb` at `path` atomically (see save_atomic)."""
    # openpyxl writes the temporary file by name (a failing save leaves its zip writer
    # holding its own handle, not ours)
    save_atomic(lambda tmp: wb.save(str(tmp)), path)


def save_atomic(write: Callable[[Path], None], path: str | Path) -> None:
    """Have `write` produce the file at a temporary path, then rename it to `path`: a hidden
    temporary file in the same folder, renamed over the target. On any failure the temporary
    file is removed, the target (if it existed) is untouched, and an OSError becomes
    DomainError("output_write_failed")."""
    target = Path(path)
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
    try:
        # O_EXCL: never write through a file someone else created; mode 0666 minus the umask,
        # as a plain save would give
        os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        write(tmp)
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)  # on disk before it takes the target's name
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        code = "output_disk_full" if e.errno == errno.ENOSPC else "output_write_failed"
        raise DomainError(code, value=str(target), detail=e.strerror or str(e)) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
