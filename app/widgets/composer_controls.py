"""The Composer's controls: length, seed, key, tempo, instruments, mode, reuse limit, collection.

``request()`` builds the engine's ``ComposeRequest`` from the widgets; the panel owns the
Compose button's behaviour (it runs the composition on the engine thread).
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QPushButton,
    QSpinBox,
    QWidget,
)

from engine.dshl.api import ComposeRequest
from engine.playback.synth import gm_program_names

KEYS = ["C", "G", "D", "A", "E", "B", "F#", "F", "Bb", "Eb", "Ab", "Db",
        "Am", "Em", "Bm", "F#m", "C#m", "Dm", "Gm", "Cm", "Fm"]
MODES = [("min", "Smoothest joins (min)"), ("max", "Most contrast (max)")]


class ComposerControls(QWidget):
    """A form of composition settings plus the Compose button (``compose_button``)."""

    def __init__(self, collections: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = QFormLayout(self)
        self.length = QSpinBox(minimum=1, maximum=64, value=8)
        self.length.setSuffix(" segments")
        self.seed = QSpinBox(minimum=0, maximum=2**31 - 1, value=1)
        self.seed.setToolTip("Same seed, same chain (Regenerate draws a new one and shows it here)")
        self.random_seed = QCheckBox("new seed each time")
        self.key = QComboBox()
        self.key.addItems(KEYS)
        self.tempo = QDoubleSpinBox(minimum=30.0, maximum=300.0, value=120.0, decimals=0)
        self.tempo.setSuffix(" BPM")
        names = gm_program_names()
        self.melody_program = QComboBox()
        self.chord_program = QComboBox()
        for combo, default in ((self.melody_program, 73), (self.chord_program, 0)):
            combo.addItems([f"{i + 1} {name}" for i, name in enumerate(names)])
            combo.setCurrentIndex(default)
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)  # names whole
        self.mode = QComboBox()
        self.mode.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        for value, label in MODES:
            self.mode.addItem(label, value)
        self.reuse_limit = QSpinBox(minimum=0, maximum=64, value=2)
        self.reuse_limit.setSpecialValueText("no limit")
        self.collection = QComboBox()
        self.collection.addItems(collections or ["nottingham"])
        self.compose_button = QPushButton("Compose")
        self.compose_button.setDefault(True)
        form.addRow("Length", self.length)
        form.addRow("Seed", self.seed)
        form.addRow("", self.random_seed)
        form.addRow("Key", self.key)
        form.addRow("Tempo", self.tempo)
        form.addRow("Melody", self.melody_program)
        form.addRow("Chords", self.chord_program)
        form.addRow("Mode", self.mode)
        form.addRow("Reuse limit", self.reuse_limit)
        form.addRow("Collection", self.collection)
        form.addRow(self.compose_button)

    def request(self) -> ComposeRequest:
        """The engine request described by the widgets (a random seed is drawn if asked)."""
        if self.random_seed.isChecked():
            import random

            self.seed.setValue(random.randrange(2**31 - 1))
        return ComposeRequest(
            segments=self.length.value(), seed=self.seed.value(), key=self.key.currentText(),
            tempo=float(self.tempo.value()), mode=self.mode.currentData(),
            reuse_limit=self.reuse_limit.value() or None,
            collection=self.collection.currentText(),
            melody_program=self.melody_program.currentIndex(),
            chord_program=self.chord_program.currentIndex())

    def set_collections(self, names: list[str]) -> None:
        """List ``names`` in the collection menu, keeping the current choice."""
        combo = self.collection
        if names and names != [combo.itemText(i) for i in range(combo.count())]:
            current = combo.currentText()
            combo.clear()
            combo.addItems(names)
            combo.setCurrentText(current)
