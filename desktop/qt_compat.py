"""Work-arounds for bugs of the installed Qt binding, applied once on import of desktop.ui/tasks.

PySide6 6.12.0: `SignalInstance.emit()` returns True (or False) without taking a reference, so
every signal emitted from Python lowers the reference count of the `True` singleton by one. After
a few hundred emits Python aborts ("bool_dealloc: deallocating True or False"), at the latest
when the interpreter exits. We measure the leak once and, only if it is there, give the
reference back after each emit.
"""
from __future__ import annotations

import ctypes
import sys

_applied = False


def _emit_leaks() -> bool:
    from PySide6.QtCore import QObject, Signal

    class _Probe(QObject):
        probed = Signal(int)

    probe = _Probe()
    before = sys.getrefcount(True), sys.getrefcount(False)
    for _ in range(3):
        probe.probed.emit(1)  # result dropped at once: a correct emit leaves counts unchanged
    lost_true = before[0] - sys.getrefcount(True)
    lost_false = before[1] - sys.getrefcount(False)
    for _ in range(max(lost_true, 0)):  # undo the probe's own damage
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(True))
    for _ in range(max(lost_false, 0)):
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(False))
    return lost_true > 0 or lost_false > 0


def patch_signal_emit() -> bool:
    """Install the fix if this PySide6 needs it; True if installed (idempotent)."""
    global _applied
    if _applied:
        return True
    if not _emit_leaks():
        return False
    from PySide6.QtCore import SignalInstance
    original = SignalInstance.emit

    def emit(self, *args):  # noqa: ANN001, ANN002, ANN202
        result = original(self, *args)
        if result is True or result is False:
            ctypes.pythonapi.Py_IncRef(ctypes.py_object(result))
        return result

    SignalInstance.emit = emit
    _applied = True
    return True


patch_signal_emit()
