"""Autosave every 30 s and soon after every change; offer to restore after a crash or kill -9.

The Qt side of ``engine.project.autosave``: a :class:`~engine.project.autosave.Session` per
window, a periodic timer and a debounce timer that write the project only when it differs from
the file and from the last autosave, and, once the window is up, a question for the newest
autosave a dead Segue left behind (Restore / Discard / Later). Another running Segue's autosave is
never offered or touched (its lock is held).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QAbstractButton, QMessageBox

from app.dialogs.errors import show_error
from engine.errors import UserFacingError
from engine.logsetup import get_logger
from engine.project import autosave
from engine.project.files import load_project, project_name
from engine.project.model import project_to_dict

if TYPE_CHECKING:  # pragma: no cover
    from app.window_roles import ProjectOwner

log = get_logger(__name__)
INTERVAL_MS = 30_000
DEBOUNCE_MS = 1_000


class Autosaver(QObject):
    """Writes the controller's project to this window's autosave session."""

    def __init__(self, controller: ProjectOwner) -> None:
        super().__init__(controller)  # type: ignore[arg-type] - a QObject
        self.controller = controller
        self.window = controller.window
        self.session: autosave.Session | None = None
        self.last: dict[str, Any] | None = None
        self.question: QMessageBox | None = None
        self.orphan: autosave.Orphan | None = None
        if self.window.home.writable:
            try:
                self.session = autosave.Session(self.window.home.path)
            except OSError as exc:
                log.warning("autosave is off: %s", exc)
        self.timer = QTimer(self, interval=INTERVAL_MS)
        self.timer.timeout.connect(self.write_now)
        self.debounce = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self.debounce.timeout.connect(self.write_now)
        if self.session is not None:
            self.timer.start()

    def soon(self) -> None:
        """Autosave after a short quiet spell (every undoable change calls this)."""
        if self.session is not None:
            self.debounce.start()

    def write_now(self) -> Path | None:
        """Autosave if the work is unsaved and differs from the last autosave; return the file."""
        if self.session is None:
            return None
        if not self.controller.is_modified():
            self.clear()
            return None
        data = self.controller.snapshot()
        if data == self.last and self.session.path.is_file():
            return self.session.path
        try:
            self.session.write(data, self.controller.path)
        except OSError as exc:
            self.window.show_status(f"Autosave failed: {exc}")
            return None
        self.last = data
        return self.session.path

    def clear(self) -> None:
        """Forget the autosave (the work was saved or is unchanged)."""
        self.last = None
        if self.session is not None:
            self.session.clear()

    def shutdown(self) -> None:
        """Clean exit: stop the timers, remove this session's files, release a claimed orphan."""
        self.timer.stop()
        self.debounce.stop()
        if self.session is not None:
            self.session.close()
        if self.orphan is not None:
            self.orphan.release()

    # -- crash recovery -------------------------------------------------------------------------
    def offer_restore(self) -> QMessageBox | None:
        """If a Segue that died left an autosave, ask whether to restore it (non-blocking)."""
        if self.session is None or self.question is not None:
            return None
        orphans = autosave.claim_orphans(self.window.home.path)
        if not orphans:
            return None
        self.orphan = orphans[0]
        for other in orphans[1:]:
            other.release()  # offered at a later launch
        name = project_name(self.orphan.project_path)
        when = self.orphan.saved_at.replace("T", " at ") or "an unknown time"
        box = QMessageBox(QMessageBox.Icon.Question, "Restore unsaved work?",
                          f"Segue did not close properly last time. Restore the work it "
                          f"autosaved ({name}, {when})?", QMessageBox.StandardButton.NoButton,
                          self.window)
        box.setInformativeText("Discard deletes the autosave; Later keeps it for the next launch.")
        self.restore_button = box.addButton("Restore", QMessageBox.ButtonRole.AcceptRole)
        self.discard_button = box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
        self.later_button = box.addButton("Later", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(self.restore_button)
        box.setWindowModality(Qt.WindowModality.WindowModal)
        box.buttonClicked.connect(self._answered)
        self.question = box
        box.open()
        return box

    def _answered(self, button: QAbstractButton) -> None:
        orphan, self.orphan, self.question = self.orphan, None, None
        if orphan is None:
            return
        if button is self.discard_button:
            orphan.discard()
            self.window.show_status("Autosave discarded.")
        elif button is self.restore_button:
            self.restore(orphan)
        else:
            orphan.release()

    def restore(self, orphan: autosave.Orphan) -> Any:
        """Show the orphan's work (marked unsaved, tied to its project file), then delete it."""
        try:
            project = orphan.read()
        except UserFacingError as exc:
            orphan.release()
            show_error(self.window, "Cannot restore the autosave", str(exc))
            return None
        path = Path(orphan.project_path) if orphan.project_path else None
        saved = None
        if path is not None and path.is_file():
            try:
                saved = {k: v for k, v in project_to_dict(load_project(path)).items()
                         if k in ("composer", "lyrics", "commentary")}
            except UserFacingError:
                saved = None
        job = self.controller.open_project(project, path, modified=True, saved=saved)
        job.result.connect(lambda _r: orphan.discard())
        job.error.connect(lambda *_a: orphan.release())
        return job
