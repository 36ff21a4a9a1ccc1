"""Refuse a Qt for Python build that would abort the window, before the window opens.

PySide6 6.12.0 drops a reference to ``None`` on every ``QPainter.fillRect`` / ``drawRect`` /
``drawLine`` called from Python; on Python 3.11, where ``None`` is not immortal, the process
dies (``Fatal Python error: none_dealloc``) after a few hundred repaints of the Composer. The
check names known-bad versions and also probes the fault itself, so a later release with the
same fault is caught too.
"""

from __future__ import annotations

import sys

KNOWN_BAD = {"6.12.0": "QPainter calls from Python drop references to None (the window aborts)"}
SUPPORTED = "pyside6-essentials>=6.8,<6.12"
PROBE_CALLS = 200


def installed_version() -> str:
    """The installed PySide6 version (``"?"`` when it cannot be read)."""
    try:
        import PySide6

        return str(PySide6.__version__)
    except Exception:  # noqa: BLE001 - a broken install is reported by the import that follows
        return "?"


def none_references_lost(calls: int = PROBE_CALLS) -> int:
    """How many references to ``None`` ``calls`` rounds of QPainter drawing lose (0 when sound)."""
    from PySide6.QtCore import QPointF, QRectF
    from PySide6.QtGui import QColor, QImage, QPainter

    image = QImage(16, 16, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    colour, rect, a, b = QColor("red"), QRectF(0, 0, 4, 4), QPointF(0, 0), QPointF(3, 3)
    before = sys.getrefcount(None)
    for _ in range(calls):
        painter.fillRect(rect, colour)
        painter.drawRect(rect)
        painter.drawLine(a, b)
    lost = before - sys.getrefcount(None)
    painter.end()
    return max(0, lost - calls // 4)  # other code may drop a few; the fault drops 3 per round


def toolkit_fault() -> str | None:
    """One line saying why this PySide6 cannot run the window, or None when it can."""
    version = installed_version()
    why = KNOWN_BAD.get(version)
    if why is None and sys.version_info < (3, 12) and none_references_lost() > 0:
        why = "QPainter calls from Python drop references to None (the window would abort)"
    if why is None:
        return None
    return (f"PySide6 {version} has a known fault: {why}. "
            f"Install a supported version: pip install '{SUPPORTED}'")
