"""What every panel shares: the job runner, its own undo stack, and status/open/export hooks."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QWidget

from app.jobs import Job, JobRunner


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

    def load_behind(self) -> Job | None:
        """Once the window shows (``app.main``): start loading, on a worker lane, what the panel
        will need soon (models, torch), so that the window opens first. Returns the job, if any."""
        return None

    def set_read_only(self, reason: str) -> None:
        """SEGUE_HOME cannot be written (``reason`` says why): turn off what would write there.

        The window calls this right after building the panel, before its first job runs; the
        window itself says it once. The default keeps everything: the panel writes nothing there.
        """

    def shutdown(self) -> None:
        """Stop anything the panel owns (playback, timers) before the window closes."""
