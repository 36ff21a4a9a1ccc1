"""What the project controller and the autosaver need of the objects they serve.

Structural types (``typing.Protocol``) so that ``app/project_controller.py`` and
``app/autosave.py`` name the main window and the controller by what they use, without importing
the modules that import them (no import cycle between the window, its controller and autosave).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # pragma: no cover
    from PySide6.QtWidgets import QTabWidget

    from app.jobs import JobRunner
    from app.panels.base import Panel
    from app.settings import Settings
    from engine.paths import HomeStatus
    from engine.project.model import Project


class StudioWindow(Protocol):
    """The main window as the project controller sees it."""

    home: HomeStatus
    prefs: Settings
    runner: JobRunner
    tabs: QTabWidget
    panels: list[Panel]

    def show_status(self, text: str) -> None:
        """Show a short message in the status bar."""

    def setWindowTitle(self, title: str) -> None:  # noqa: N802 - Qt's name
        """Set the title bar text."""

    def setWindowModified(self, modified: bool) -> None:  # noqa: N802 - Qt's name
        """Set the title's unsaved-changes marker."""

    def close(self) -> bool:
        """Close the window (asks about unsaved work)."""

    def isVisible(self) -> bool:  # noqa: N802 - Qt's name
        """Whether the window is shown."""


class ProjectOwner(Protocol):
    """The project controller as the autosaver sees it."""

    window: StudioWindow
    path: Path | None

    def snapshot(self) -> dict[str, Any]:
        """The project as it stands, as plain data."""

    def is_modified(self) -> bool:
        """Whether the project differs from its file."""

    def open_project(self, project: Project, path: Path | None, recent: bool = False,
                     modified: bool = False, saved: dict[str, Any] | None = None) -> Any:
        """Load ``project`` into the panels."""
