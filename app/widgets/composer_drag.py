"""A drag handle that drops the Composer's chain onto a DAW or file manager as a .mid file.

``make_drag()`` writes a temporary export of the chain (a few ms: the drop needs the file now)
and returns a ``QDrag`` carrying its file URL; the handle starts it once the pointer has moved
the platform's drag distance. ``failed(text)`` says why there is nothing to drag.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QMimeData, Qt, QUrl, Signal
from PySide6.QtGui import QDrag, QMouseEvent
from PySide6.QtWidgets import QApplication, QLabel

from engine.dshl import chain


class DragHandle(QLabel):
    """A label you drag out of the window to drop the chain as a .mid file."""

    failed = Signal(str)

    def __init__(self, current_state: Callable[[], chain.ChainState | None]) -> None:
        super().__init__("⇲ Drag MIDI")
        self.current_state = current_state
        self.setToolTip("Drag the chain onto a DAW or a file manager as a .mid file")
        self.setFrameShape(QLabel.Shape.StyledPanel)
        self.setCursor(Qt.CursorShape.OpenHandCursor)
        self._press: Any = None
        self._dir = Path(tempfile.mkdtemp(prefix="segue-drag-"))

    def make_drag(self) -> QDrag | None:
        """A QDrag carrying a temporary export of the chain as a file URL (None: no chain)."""
        state = self.current_state()
        if state is None:
            return None
        path = self._dir / "segue-chain.mid"
        try:
            chain.write_midi(state, path)
        except Exception as exc:  # noqa: BLE001 - report, never crash the drag
            self.failed.emit(f"cannot export for dragging: {exc}")
            return None
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(str(path))])
        drag = QDrag(self)
        drag.setMimeData(mime)
        return drag

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        """Remember where a drag may start."""
        self._press = event.position()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        """Start the drag once the pointer has moved far enough."""
        if self._press is None or (event.position() - self._press).manhattanLength() < \
                QApplication.startDragDistance():
            return
        self._press = None
        drag = self.make_drag()
        if drag is not None:
            drag.exec(Qt.DropAction.CopyAction)

    def cleanup(self) -> None:
        """Remove the temporary exports (the window is closing)."""
        shutil.rmtree(self._dir, ignore_errors=True)
