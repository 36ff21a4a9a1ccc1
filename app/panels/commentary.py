"""The Commentary panel (placeholder until its issue fills it)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app.jobs import JobRunner
from app.panels.base import Panel
from engine.project.model import section_from_dict, section_to_dict


class CommentaryPanel(Panel):
    """Generate descriptive commentary about a track."""

    title = "Commentary"
    object_name = "commentary_panel"

    def __init__(self, runner: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(runner, parent)
        layout = QVBoxLayout(self)
        label = QLabel("Generate descriptive commentary about a track.\n(coming soon)")
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(label)
        self._project: dict = {"tags": [], "samples": []}

    def project_state(self) -> dict:
        """The Commentary part of a project: tags and kept samples (kept as opened until built)."""
        return dict(self._project)

    def apply_project_state(self, state: dict) -> list[str]:
        """Keep a project's Commentary part so saving it again loses nothing; no warnings."""
        self._project = section_to_dict(section_from_dict("commentary", state))
        return []
