"""File > New / Open… / Save / Save As… / Open Recent for `.segue` projects, and the title bar.

The controller gathers each project panel's ``project_state()`` into one project, writes it with
``engine.project.files`` and, on opening, checks it against this installation on the engine thread
(``engine.project.resolve``) before handing each section to ``apply_project_state()``; what changed
is shown in one box. The window title is "name[*] — Segue" with the modified marker. Whenever
the work would be lost (New, Open, closing the window) with unsaved changes it asks Save /
Discard / Cancel, without a nested event loop (the question is a window-modal box whose answer
continues the action). Autosave and crash recovery live in :mod:`app.autosave`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QLineEdit,
    QMenu,
    QMessageBox,
)
from shiboken6 import isValid

from app import settings
from app.autosave import Autosaver
from app.dialogs.errors import show_error, show_warning
from engine.errors import UserFacingError
from engine.logsetup import get_logger
from engine.project.files import SUFFIX, load_project, project_name, save_project
from engine.project.model import FORMAT, FORMAT_VERSION, Project, project_to_dict
from engine.project.resolve import Resolved, resolve_project

if TYPE_CHECKING:  # pragma: no cover
    from app.window_roles import StudioWindow

SECTIONS = {"composer_panel": "composer", "lyrics_panel": "lyrics",
            "commentary_panel": "commentary"}
MAX_RECENT = 8
FILTER = f"Segue projects (*{SUFFIX})"
MIDI_SUFFIXES = (".mid", ".midi")
OPEN_FILTER = f"{FILTER};;MIDI phrase for the Composer to continue (*.mid *.midi)"


class ProjectController(QObject):
    """The window's project: its file, whether it changed, saving, opening and the recent list."""

    def __init__(self, window: StudioWindow) -> None:
        super().__init__(window)  # type: ignore[arg-type] - a QMainWindow
        self.window = window
        self.path: Path | None = None
        self.saved: dict[str, Any] = {}
        self.forced_modified = False  # restored from an autosave: unsaved until saved
        self.touched = False  # the user changed a setting that has no undo command
        self.question: QMessageBox | None = None
        self.report: QMessageBox | None = None
        self._closing = False
        self._shut = False
        self._opening = None
        self._check = QTimer(self, singleShot=True, interval=300)
        self._check.timeout.connect(self.changed)
        self.actions = self._make_actions()
        self.autosaver = Autosaver(self)

    # -- set-up ---------------------------------------------------------------------------------
    def _make_actions(self) -> dict[str, QAction]:
        specs = (("new", "&New", QKeySequence.StandardKey.New, self.new),
                 ("open", "&Open…", QKeySequence.StandardKey.Open, self.open),
                 ("save", "&Save", QKeySequence.StandardKey.Save, self.save),
                 ("save_as", "Save &As…", QKeySequence.StandardKey.SaveAs, self.save_as))
        actions = {}
        for name, text, keys, slot in specs:
            action = QAction(text, self.window)
            action.setShortcut(QKeySequence(keys))
            action.triggered.connect(lambda _=False, s=slot: s())
            actions[name] = action
        self.recent_menu = QMenu("Open &Recent", self.window)
        self.recent_menu.aboutToShow.connect(self.fill_recent_menu)
        return actions

    def add_to_menu(self, menu: QMenu) -> None:
        """Put New, Open…, Open Recent, Save and Save As… at the top of ``menu``."""
        for name in ("new", "open"):
            menu.addAction(self.actions[name])
        menu.addMenu(self.recent_menu)
        for name in ("save", "save_as"):
            menu.addAction(self.actions[name])
        menu.addSeparator()

    def watch_panels(self) -> None:
        """Follow every undoable change and every setting the user changes; take the baseline."""
        for panel in self.project_panels():
            panel.undo_stack.indexChanged.connect(self.undoable_change)
            for combo in panel.findChildren(QComboBox):
                combo.activated.connect(self.setting_changed)
            for box in panel.findChildren(QCheckBox):
                box.clicked.connect(self.setting_changed)
            for edit in panel.findChildren(QLineEdit):
                edit.textEdited.connect(self.setting_changed)
            for spin in panel.findChildren(QAbstractSpinBox):
                if hasattr(spin, "valueChanged"):
                    spin.valueChanged.connect(
                        lambda _v, s=spin: s.hasFocus() and self.setting_changed())
        self.mark_saved()

    def start(self) -> None:
        """Once the window is up: offer a crashed session's autosave, else reopen the project
        that was open when Segue last closed (if it is still there)."""
        if self.autosaver.offer_restore() is not None:
            return
        last = self.window.prefs.get(settings.LAST_PROJECT)
        if last and Path(last).is_file() and self.path is None and not self.is_modified():
            self.open_path(Path(last))

    def project_panels(self) -> list:
        """The panels that hold part of a project."""
        return [p for p in self.window.panels if p.objectName() in SECTIONS]

    # -- state ----------------------------------------------------------------------------------
    def sections(self) -> dict[str, Any]:
        """Each project panel's part, by section name."""
        return {SECTIONS[p.objectName()]: p.project_state() for p in self.project_panels()}

    def snapshot(self) -> dict[str, Any]:
        """The whole project as plain data."""
        return {"format": FORMAT, "format_version": FORMAT_VERSION, **self.sections()}

    def is_modified(self) -> bool:
        """True when the work differs from the file (or from a new, empty project)."""
        if self.forced_modified:
            return True
        stacks_dirty = any(not p.undo_stack.isClean() for p in self.project_panels())
        if not (stacks_dirty or self.touched):
            return False
        return self.sections() != self.saved

    def mark_saved(self, sections: dict[str, Any] | None = None) -> None:
        """Take the current work as what the file holds."""
        self.saved = self.sections() if sections is None else sections
        self.forced_modified = self.touched = False
        for panel in self.project_panels():
            panel.undo_stack.setClean()
        self.update_title()

    def update_title(self) -> None:
        """Show the project name and the modified marker in the title bar."""
        if self._shut or not isValid(self.window):
            return
        self.window.setWindowTitle(f"{project_name(self.path)}[*] — Segue")
        self.window.setWindowModified(self.is_modified())

    def undoable_change(self) -> None:
        """An undo command was pushed, undone or redone: update the title, autosave soon."""
        self.update_title()
        self.autosaver.soon()

    def setting_changed(self) -> None:
        """The user changed a setting: check (debounced) whether the work now differs."""
        self.touched = True
        self._check.start()

    def changed(self) -> None:
        """Re-check the modified marker and autosave soon."""
        self.update_title()
        self.autosaver.soon()

    # -- file actions ---------------------------------------------------------------------------
    def new(self) -> None:
        """File > New Project: an empty project (asks first if there are unsaved changes)."""
        self.ask_unsaved(self._new)

    def _new(self) -> None:
        self._apply(project_to_dict(Project()), None, [])

    def open(self, path: str | Path | None = None) -> None:
        """File > Open…: a project (asks first about unsaved changes), or a MIDI phrase that the
        Composer continues (an undoable edit of the current project)."""
        chosen = path or self.ask_open_path()
        if not chosen:
            return
        chosen = Path(chosen)
        composer = next((p for p in self.window.panels if hasattr(p, "open_midi")), None)
        if chosen.suffix.lower() in MIDI_SUFFIXES and composer is not None:
            self.window.tabs.setCurrentWidget(composer)
            composer.open_midi(chosen)
            return
        self.ask_unsaved(lambda: self.open_path(chosen))

    def open_path(self, path: Path, then: Callable[[], None] | None = None) -> Any:
        """Read ``path`` now, check it on the engine thread, then show it; errors in one box."""
        try:
            project = load_project(path)  # checks sizes, ranges and types once
        except Exception as exc:  # noqa: BLE001 - a file that cannot be opened is said in one box
            if not isinstance(exc, UserFacingError):
                get_logger("project").exception("opening %s failed", path)
            message = str(exc) if isinstance(exc, UserFacingError) else \
                f"{path}: cannot open: {type(exc).__name__}: {exc}"
            self.window.show_status(f"Cannot open {path}")
            self.report = show_error(self.window, "Cannot open project", message)
            if not path.exists():
                self._forget_recent(path)
            return None
        return self.open_project(project, path, recent=True)

    def open_project(self, project: Project, path: Path | None, recent: bool = False,
                     modified: bool = False, saved: dict[str, Any] | None = None) -> Any:
        """Check ``project`` against this installation (engine thread), then show it."""
        job = self.window.runner.submit(resolve_project, project, title="Opening project")
        self._opening = job

        def done(resolved: Resolved) -> None:
            self._apply(project_to_dict(resolved.project), path, resolved.changes,
                        modified=modified, saved=saved)
            if recent and path is not None:
                self._remember(path)
        job.result.connect(done)
        return job

    def _apply(self, data: dict[str, Any], path: Path | None, changes: list[str],
               modified: bool = False, saved: dict[str, Any] | None = None) -> None:
        warnings = list(changes)
        for panel in self.project_panels():
            try:
                warnings += panel.apply_project_state(data[SECTIONS[panel.objectName()]])
            except UserFacingError as exc:
                warnings.append(f"{panel.title}: {exc}")
            except Exception as exc:  # noqa: BLE001 - one panel's failure is said, not raised
                get_logger("project").exception("%s could not show the project", panel.title)
                warnings.append(f"{panel.title}: could not show its part ({exc})")
        self.path = path
        self.mark_saved(saved)
        self.forced_modified = modified
        self.update_title()
        self.autosaver.write_now()
        name = project_name(path)
        self.window.show_status(f"Opened {name}" if path else f"New project: {name}")
        if warnings:
            self.report = show_warning(self.window, f"{name}: what changed",
                                       f"{name} opened; some things changed:",
                                       "\n\n".join(warnings))
            self.report.setInformativeText("\n".join(f"• {w}" for w in warnings[:6]))

    def save(self) -> bool:
        """File > Save: write the project (asks for a file the first time); True if written."""
        if self.path is None:
            return self.save_as()
        return self.save_to(self.path)

    def save_as(self) -> bool:
        """File > Save As…: ask for a file and write the project there."""
        chosen = self.ask_save_path()
        if not chosen:
            return False
        path = Path(chosen)
        return self.save_to(path if path.suffix else path.with_suffix(SUFFIX))

    def save_to(self, path: Path) -> bool:
        """Write the project to ``path`` (atomic); report every failure in one box naming it."""
        try:
            sections = self.sections()
            save_project({"format": FORMAT, "format_version": FORMAT_VERSION, **sections}, path)
        except UserFacingError as exc:
            self.report = show_error(self.window, "Cannot save project", str(exc))
            return False
        except Exception as exc:  # noqa: BLE001 - a failed save must never pass unnoticed
            get_logger("project").exception("saving %s failed", path)
            self.report = show_error(self.window, "Cannot save project",
                                     f"{path}: cannot save: {type(exc).__name__}: {exc}",
                                     "Nothing was written. Details are in the log file.")
            return False
        self.path = path
        self.mark_saved(sections)
        self._remember(path)
        self.autosaver.clear()
        self.window.show_status(f"Saved {path}")
        return True

    def ask_open_path(self) -> str:
        """Ask which project to open (tests replace this)."""
        start = str(self.path.parent if self.path else Path.home())
        return QFileDialog.getOpenFileName(self.window, "Open", start, OPEN_FILTER)[0]

    def ask_save_path(self) -> str:
        """Ask where to save the project (tests replace this)."""
        start = str(self.path or Path.home() / f"{project_name(self.path)}{SUFFIX}")
        return QFileDialog.getSaveFileName(self.window, "Save project", start, FILTER)[0]

    # -- unsaved changes ------------------------------------------------------------------------
    def ask_unsaved(self, then: Callable[[], None]) -> None:
        """Run ``then`` now if nothing is unsaved; else ask Save / Discard / Cancel first."""
        if not self.is_modified():
            then()
            return
        buttons = (QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                   | QMessageBox.StandardButton.Cancel)
        box = QMessageBox(QMessageBox.Icon.Question, "Unsaved changes",
                          f"Save the changes to {project_name(self.path)}?", buttons, self.window)
        box.setInformativeText("Your changes will be lost if you don't save them.")
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        box.setWindowModality(Qt.WindowModality.WindowModal)

        def answered(button: QAbstractButton) -> None:
            self.question = None
            role = box.standardButton(button)
            if role == QMessageBox.StandardButton.Save and self.save():
                then()
            elif role == QMessageBox.StandardButton.Discard:
                then()
        box.buttonClicked.connect(answered)
        self.question = box
        box.open()

    def confirm_close(self, event: QCloseEvent) -> bool:
        """From closeEvent: True to close now; else ignore the event and ask (closing after)."""
        if self._closing or not self.is_modified():
            return True
        event.ignore()
        if self.question is None:
            self.ask_unsaved(self._close_now)
        return False

    def _close_now(self) -> None:
        self._closing = True
        self.window.close()

    def discard_and_close(self) -> bool:
        """Close the window without asking, dropping unsaved changes (scripts and tests)."""
        self._close_now()
        return not self.window.isVisible()

    def shutdown(self) -> None:
        """The window closes for good: a clean exit leaves no autosave behind."""
        self._check.stop()
        if self._shut:
            return
        self._shut = True
        self.window.prefs.set(settings.LAST_PROJECT, str(self.path.resolve()) if self.path else "")
        self.window.prefs.sync()
        for panel in self.project_panels():
            panel.undo_stack.indexChanged.disconnect(self.undoable_change)
        self.autosaver.shutdown()

    # -- recent files ---------------------------------------------------------------------------
    def recent(self) -> list[str]:
        """The recent projects, newest first (from the settings)."""
        try:
            items = json.loads(self.window.prefs.get(settings.RECENT_PROJECTS))
        except ValueError:
            return []
        return [str(i) for i in items if isinstance(i, str)] if isinstance(items, list) else []

    def _set_recent(self, items: list[str]) -> None:
        self.window.prefs.set(settings.RECENT_PROJECTS, json.dumps(items[:MAX_RECENT]))
        self.window.prefs.sync()

    def _remember(self, path: Path) -> None:
        item = str(path.resolve())
        self._set_recent([item] + [i for i in self.recent() if i != item])

    def _forget_recent(self, path: Path) -> None:
        self._set_recent([i for i in self.recent() if Path(i) != path.resolve()])

    def fill_recent_menu(self) -> list[str]:
        """Rebuild Open Recent; missing files are pruned with a message. Return pruned paths."""
        items = self.recent()
        missing = [i for i in items if not Path(i).is_file()]
        if missing:
            self._set_recent([i for i in items if i not in missing])
            self.window.show_status("Removed from Open Recent (file no longer there): "
                                    + ", ".join(missing))
        self.recent_menu.clear()
        for item in self.recent():
            action = self.recent_menu.addAction(project_name(item))
            action.setToolTip(item)
            action.setStatusTip(item)
            action.triggered.connect(lambda _=False, p=item: self.open(p))
        if self.recent_menu.isEmpty():
            self.recent_menu.addAction("(no recent projects)").setEnabled(False)
        return missing
