"""The Commentary panel's controls: track and Derive, tags and how they were understood, settings.

Holds the widgets only; the panel connects them to its jobs. Unchecking a derived tag
(:class:`DerivedList`) removes it from the tag field, checking it puts it back.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QWidget,
)

from app.widgets.commentary_derived import DerivedList
from app.widgets.commentary_tags import TagEdit
from app.widgets.commentary_understood import UnderstoodView

DEFAULT_TEMPERATURE = 0.9  # the bundled model's sampling default (docs/commentary.md)


def spin(low: int, high: int, value: int) -> QSpinBox:
    """An integer spin box."""
    box = QSpinBox()
    box.setRange(low, high)
    box.setValue(value)
    return box


class CommentaryControls(QWidget):
    """Track, Derive tags, the derived tags with evidence, tags, understanding, N, T, seed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.track = QComboBox()
        self.track.addItem("(no track: typed tags only)", None)
        self.derive_button = QPushButton("Derive tags")
        self.derived_label = QLabel("")
        self.derived_label.setWordWrap(True)
        self.derived = DerivedList()
        self.derived.toggled.connect(self.toggle_tag)
        self.tags = TagEdit()
        self.understood = UnderstoodView()
        self.count, self.seed = spin(1, 12, 5), spin(0, 2**31 - 1, 1)
        self.temperature = QDoubleSpinBox()
        self.temperature.setRange(0.0, 1.5)
        self.temperature.setSingleStep(0.1)
        self.temperature.setSpecialValueText("greedy")
        self.temperature.setValue(DEFAULT_TEMPERATURE)
        self.temperature.setToolTip("Nucleus sampling temperature (0: greedy)")
        self.generate_button = QPushButton("Generate")
        self.generate_button.setDefault(True)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(QLabel("Library track"), 0, 0)
        grid.addWidget(self.track, 0, 1, 1, 5)
        grid.addWidget(self.derive_button, 0, 6)
        grid.addWidget(self.derived_label, 1, 1, 1, 6)
        grid.addWidget(self.derived, 2, 1, 1, 6)
        grid.addWidget(QLabel("Tags"), 3, 0)
        grid.addWidget(self.tags, 3, 1, 1, 6)
        grid.addWidget(self.understood, 4, 1, 1, 6)
        for col, (label, widget) in enumerate((("Paragraphs", self.count),
                                               ("Temperature", self.temperature),
                                               ("Seed", self.seed))):
            grid.addWidget(QLabel(label), 5, 2 * col)
            grid.addWidget(widget, 5, 2 * col + 1)
        grid.addWidget(self.generate_button, 5, 6)

    def toggle_tag(self, tag: str, checked: bool) -> None:
        """Add ``tag`` to the tag field or take it out."""
        tags = [t for t in self.tags.tags() if t != tag]
        if checked:
            tags.append(tag)
        self.tags.set_tags(tags)
