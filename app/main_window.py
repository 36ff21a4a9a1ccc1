"""The main window: four panels as tabs, menus, per-panel undo, and the status-bar job indicator."""

from __future__ import annotations

from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QUndoGroup
from PySide6.QtWidgets import QMainWindow, QTabWidget, QVBoxLayout, QWidget

from app import icons, settings
from app.dialogs.errors import show_error
from app.jobs import Job, JobRunner
from app.panels.base import Panel
from app.panels.commentary import CommentaryPanel
from app.panels.composer import ComposerPanel
from app.panels.library import LibraryPanel
from app.panels.lyrics import LyricsPanel
from app.project_controller import ProjectController
from app.widgets.job_indicator import JobIndicator
from engine.paths import HomeStatus

if TYPE_CHECKING:  # pragma: no cover - imported when first shown, not with the window
    from app.dialogs.about import AboutDialog
    from app.dialogs.licences import LicencesDialog
    from app.widgets.read_only_banner import ReadOnlyBanner

MINIMUM_SIZE = (1024, 640)
PANEL_CLASSES: tuple[tuple[type[Panel], str], ...] = (
    (ComposerPanel, "compose"),
    (LyricsPanel, "lyrics"),
    (CommentaryPanel, "commentary"),
    (LibraryPanel, "library"),
)


class MainWindow(QMainWindow):
    """Segue's one window. Owns the job runner; panels share it."""

    def __init__(self, home: HomeStatus, prefs: settings.Settings | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Segue")
        self.setMinimumSize(MINIMUM_SIZE[0], MINIMUM_SIZE[1])  # every control fits (tested)
        self.setWindowIcon(icons.get("segue"))
        self.home = home
        self.prefs = prefs or settings.Settings()
        self.runner = JobRunner(self)
        self.runner.job_added.connect(self._watch_job)
        self.undo_group = QUndoGroup(self)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.panels: list[Panel] = []
        for panel_class, icon_name in PANEL_CLASSES:
            panel = panel_class(self.runner)
            panel.status_message.connect(self.show_status)
            self.undo_group.addStack(panel.undo_stack)
            self.panels.append(panel)
            self.tabs.addTab(panel, icons.get(icon_name), panel.title.replace("&", "&&"))
        self.tabs.currentChanged.connect(self._on_tab_changed)
        self.banner: ReadOnlyBanner | None = None
        if not home.writable:  # said once, in the window; panels turn off what would write there
            from app.widgets.read_only_banner import ReadOnlyBanner

            self.banner = ReadOnlyBanner(home.problem)
            for panel in self.panels:
                panel.set_read_only(f"{home.path}: {home.reason or 'read-only'}")
        self.setCentralWidget(self._central(self.banner, self.tabs))
        self.job_indicator = JobIndicator(self.runner)
        self.statusBar().addPermanentWidget(self.job_indicator)
        self.project = ProjectController(self)
        self._build_menus()
        self.project.watch_panels()
        QTimer.singleShot(0, self.project.start)  # restore after a crash, or reopen the last project
        self._restore_state()
        self._on_tab_changed(self.tabs.currentIndex())
        if not home.writable:
            self.show_status(home.problem)

    @staticmethod
    def _central(banner: QWidget | None, tabs: QTabWidget) -> QWidget:
        """The tabs, under the read-only banner when there is one."""
        if banner is None:
            return tabs
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(banner)
        column.addWidget(tabs, 1)
        return central

    def load_behind(self) -> None:
        """After the window shows: each panel loads what it needs soon on its worker lane (the
        composer model and torch on the engine lane, where a Compose asked for meanwhile waits)."""
        for panel in self.panels:
            panel.load_behind()

    # --- menus and shortcuts -------------------------------------------------------------------
    def _action(self, text: str, shortcut: QKeySequence | str | None, slot,
                icon: str = "") -> QAction:
        action = QAction(icons.get(icon) if icon else icons.get("none"), text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self.project.add_to_menu(file_menu)
        file_menu.addAction(self._action("&Import into this tab…", "Ctrl+I",
                                         lambda: self.current_panel().open_file(), "open"))
        file_menu.addAction(self._action("&Export…", "Ctrl+E",
                                         lambda: self.current_panel().export(), "export"))
        file_menu.addAction(self._action("Export au&dio…", "Ctrl+Shift+E", lambda: self.panel(
            "composer_panel").export_audio(self.tabs), "export"))
        file_menu.addAction(self._action("Export &lead sheet…", None, lambda: self.panel(
            "composer_panel").export_leadsheet(), "export"))
        file_menu.addSeparator()
        file_menu.addAction(self._action("&Quit", QKeySequence.StandardKey.Quit, self.close))

        edit_menu = bar.addMenu("&Edit")
        self.undo_action = self.undo_group.createUndoAction(self, "&Undo")
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.undo_action.setIcon(icons.get("undo"))
        self.redo_action = self.undo_group.createRedoAction(self, "&Redo")
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.redo_action.setIcon(icons.get("redo"))
        edit_menu.addAction(self.undo_action)
        edit_menu.addAction(self.redo_action)

        view_menu = bar.addMenu("&View")
        for index, panel in enumerate(self.panels):
            view_menu.addAction(self._action(panel.title.replace("&", "&&"), f"Ctrl+{index + 1}",
                                             lambda _=False, i=index: self.tabs.setCurrentIndex(i)))

        jobs_menu = bar.addMenu("&Jobs")
        jobs_menu.addAction(self._action("&Cancel running job", "Ctrl+.",
                                         self.job_indicator.cancel_current, "cancel"))

        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self._action("&About Segue", None, self.show_about))
        help_menu.addAction(self._action("&Licences…", None, self.show_licences))

    # --- panels --------------------------------------------------------------------------------
    def current_panel(self) -> Panel:
        """Return the panel of the current tab."""
        return self.panels[max(0, self.tabs.currentIndex())]

    def panel(self, object_name: str) -> Panel:
        """Return the panel with ``object_name`` (e.g. ``"lyrics_panel"``)."""
        return next(p for p in self.panels if p.objectName() == object_name)

    def _on_tab_changed(self, index: int) -> None:
        if 0 <= index < len(self.panels):
            self.undo_group.setActiveStack(self.panels[index].undo_stack)

    def show_status(self, message: str, timeout_ms: int = 8000) -> None:
        """Show a message in the status bar (a job that outlives the window is ignored)."""
        if shiboken6.isValid(self):
            self.statusBar().showMessage(message, timeout_ms)

    # --- jobs ----------------------------------------------------------------------------------
    def _watch_job(self, job: Job) -> None:
        job.error.connect(lambda message, details, j=job: self._on_job_error(j, message, details))
        job.cancelled.connect(lambda j=job: self.show_status(f"{j.title}: cancelled"))

    def _on_job_error(self, job: Job, message: str, details: str) -> None:
        if not shiboken6.isValid(self):
            return
        self.show_status(f"{job.title} failed: {message}")
        self.last_error_box = show_error(self, f"{job.title} failed", message, details)

    # --- help ----------------------------------------------------------------------------------
    def show_about(self) -> AboutDialog:
        """Show the About box (non-modal): version, licence, credits; return it."""
        from app.dialogs.about import AboutDialog

        dialog = AboutDialog(self)
        dialog.show()
        return dialog

    def show_licences(self) -> LicencesDialog:
        """Open the Licences dialog (non-modal) and return it."""
        from app.dialogs.licences import LicencesDialog

        dialog = LicencesDialog(self)
        dialog.show()
        return dialog

    # --- state ---------------------------------------------------------------------------------
    def _restore_state(self) -> None:
        geometry = self.prefs.get(settings.WINDOW_GEOMETRY)
        if geometry.isEmpty() or not self.restoreGeometry(geometry):
            self.resize(1200, 800)
        last = self.prefs.get(settings.LAST_PANEL)
        for index, panel in enumerate(self.panels):
            if panel.objectName() == last:
                self.tabs.setCurrentIndex(index)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        """Ask about unsaved work; then remember geometry and the last panel, stop everything."""
        if not self.project.confirm_close(event):
            return
        self.prefs.set(settings.WINDOW_GEOMETRY, self.saveGeometry())
        self.prefs.set(settings.LAST_PANEL, self.current_panel().objectName())
        self.prefs.sync()
        for panel in self.panels:
            panel.shutdown()
        self.runner.shutdown()
        self.project.shutdown()
        super().closeEvent(event)
