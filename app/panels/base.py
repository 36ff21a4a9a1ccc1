"""What every panel shares: the job runner, its own undo stack, and status/open/export hooks."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QWidget

from app.jobs import JobRunner


class Panel(QWidget):
    """Base class of a main-window tab.

    Subclasses set ``title`` and ``object_name``, build their widgets in ``__init__`` and run long
    work through ``self.runner.submit(engine_function, ..., title=...)``. Every user edit goes
    through ``self.undo_stack.push(QUndoCommand)`` so Edit > Undo/Redo work.
    """

    title = "Panel"
    object_name = "panel"
    status_message = Signal(str)

    def __init__(self, runner: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(self.object_name)
        self.runner = runner
        self.undo_stack = QUndoStack(self)

    def open_file(self) -> None:
        """File > Open… while this panel is current (override to support it)."""
        self.status_message.emit(f"{self.title}: nothing to open here.")

    def export(self) -> None:
        """File > Export… while this panel is current (override to support it)."""
        self.status_message.emit(f"{self.title}: nothing to export here.")

    def shutdown(self) -> None:
        """Stop anything the panel owns (playback, timers) before the window closes."""
