"""The Lyrics panel (placeholder until its issue fills it)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app.jobs import JobRunner
from app.panels.base import Panel


class LyricsPanel(Panel):
    """Write duet lyrics with two artists' models."""

    title = "Lyrics"
    object_name = "lyrics_panel"

    def __init__(self, runner: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(runner, parent)
        layout = QVBoxLayout(self)
        label = QLabel("Write duet lyrics with two artists' models.\n(coming soon)")
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(label)
