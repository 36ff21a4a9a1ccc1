"""The Composer's controls: length, seed, meter, major/minor, key, tempo (with a Tap button),
instruments, mode, reuse limit, collection.

``request()`` builds the engine's ``ComposeRequest`` from the widgets; the panel owns the
Compose button's behaviour (it runs the composition on the engine thread), what picking a key
does to a chain (transposes it) and what a tap does (:mod:`app.widgets.composer_notes`).
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QPushButton,
    QSpinBox,
    QWidget,
)

from app.widgets.gm_programs import GM_PROGRAM_NAMES
from engine.dshl.api import ComposeRequest
from engine.dshl.settings import ComposerSettings
from engine.music.meters import METERS as SEGMENT_METERS

MAJOR_KEYS = ["C", "G", "D", "A", "E", "B", "F#", "F", "Bb", "Eb", "Ab", "Db"]
MINOR_KEYS = ["Am", "Em", "Bm", "F#m", "C#m", "G#m", "Dm", "Gm", "Cm", "Fm", "Bbm", "Ebm"]
KEYS = MAJOR_KEYS + MINOR_KEYS
# every meter a family holds (4/4 first), until the engine says which ones each collection holds
METERS = sorted((f"{n}/{d}" for n, d in SEGMENT_METERS), key=lambda m: m != "4/4")
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
        self.meter = QComboBox()
        self.meter.addItems(METERS)
        self.meter.setToolTip("Meters the collection has tunes in; 3/4, 6/8, 9/8, 3/2 and 6/4 are "
                              "cut in 24-step segments; meters never mix")
        self.meters: dict[str, list[str]] = {}  # collection -> the meters it holds
        self.tonality = QComboBox()
        self.tonality.addItems(["major", "minor"])
        self.tonality.setToolTip("Minor draws only minor tunes (moved to the key you choose)")
        self.key = QComboBox()
        self.key.addItems(MAJOR_KEYS)
        self.key.setToolTip("The key of the next Compose; with a chain, picking another key "
                            "transposes it there (blocks kept)")
        self.tonality.currentTextChanged.connect(self._list_keys)
        self.tempo = QDoubleSpinBox(minimum=30.0, maximum=300.0, value=120.0, decimals=0)
        self.tempo.setSuffix(" BPM")
        self.tap_button = QPushButton("Tap")
        self.tap_button.setToolTip("Tap the beat (or press T): after two taps the tempo follows "
                                   "the last 2–8 taps; a 2-second pause starts again")
        self.tap_button.setFixedWidth(self.tap_button.fontMetrics().horizontalAdvance("Tap") + 22)
        tempo_row = QHBoxLayout()
        tempo_row.setContentsMargins(0, 0, 0, 0)
        tempo_row.addWidget(self.tempo, 1)
        tempo_row.addWidget(self.tap_button)
        names = GM_PROGRAM_NAMES  # pretty_midi's, without importing it (and mido) with the window
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
        self.collection.currentTextChanged.connect(self._list_meters)
        self.compose_button = QPushButton("Compose")
        self.compose_button.setDefault(True)
        form.addRow("Length", self.length)
        form.addRow("Seed", self.seed)
        form.addRow("", self.random_seed)
        form.addRow("Meter", self.meter)
        form.addRow("Major/minor", self.tonality)
        form.addRow("Key", self.key)
        form.addRow("Tempo", tempo_row)
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
        return self.settings().request()

    def settings(self) -> ComposerSettings:
        """The settings the widgets show (the engine's one settings record; no seed drawn)."""
        return ComposerSettings(
            segments=self.length.value(), seed=self.seed.value(), random_seed=self.random_seed.isChecked(),
            key=self.key.currentText(), meter=self.meter.currentText(),
            tonality=self.tonality.currentText(), tempo=float(self.tempo.value()),
            mode=self.mode.currentData(), reuse_limit=self.reuse_limit.value() or None,
            collection=self.collection.currentText(), melody_program=self.melody_program.currentIndex(),
            chord_program=self.chord_program.currentIndex())

    def apply_settings(self, settings: ComposerSettings) -> list[str]:
        """Set the widgets from ``settings``; return warnings for values they cannot show.

        The collection goes first (it lists the meters), then the meter, major/minor (it lists the
        keys) and the key, so ``Em`` in 6/8 shows as such.
        """
        warnings: list[str] = []
        if self.collection.findText(settings.collection) < 0:
            self.collection.addItem(settings.collection)
        self.collection.setCurrentText(settings.collection)
        if self.meter.findText(settings.meter) < 0:
            self.meter.addItem(settings.meter)
        self.meter.setCurrentText(settings.meter)
        self.tonality.setCurrentText(settings.tonality)
        self.length.setValue(min(settings.segments, self.length.maximum()))
        if 0 <= settings.seed <= self.seed.maximum():  # a spin box cannot hold a 64-bit seed
            self.seed.setValue(settings.seed)
        else:
            warnings.append(f"Composer: seed {settings.seed} is larger than the Composer can show; "
                            f"the seed stays {self.seed.value()}.")
        self.random_seed.setChecked(settings.random_seed)
        self.tempo.setValue(settings.tempo)
        self.reuse_limit.setValue(min(settings.reuse_limit or 0, self.reuse_limit.maximum()))
        if self.key.findText(settings.key) < 0:
            warnings.append(f"Composer: unknown key '{settings.key}'; the key stays "
                            f"{self.key.currentText()}.")
        else:
            self.key.setCurrentText(settings.key)
        self.mode.setCurrentIndex(max(0, self.mode.findData(settings.mode)))
        for combo, program, part in ((self.melody_program, settings.melody_program, "melody"),
                                     (self.chord_program, settings.chord_program, "chords")):
            if 0 <= program < combo.count():
                combo.setCurrentIndex(program)
            else:
                warnings.append(f"Composer: {part} instrument {program} is not a General MIDI "
                                "program; kept the current one.")
        for name, spin, value in (("length", self.length, settings.segments),
                                  ("tempo", self.tempo, settings.tempo)):
            if spin.value() != value:
                warnings.append(f"Composer: {name} {value:g} is out of range; using "
                                f"{spin.value():g}.")
        return warnings

    def _list_keys(self, tonality: str) -> None:
        """List only the keys the composer can write in ``tonality`` (keeping the key signature:
        D major becomes B minor)."""
        tonic = self.key.currentIndex()
        self.key.clear()
        self.key.addItems(MINOR_KEYS if tonality == "minor" else MAJOR_KEYS)
        self.key.setCurrentIndex(max(0, tonic))

    def set_collections(self, names: list[str]) -> None:
        """List ``names`` in the collection menu, keeping the current choice."""
        _refill(self.collection, names)

    def set_menus(self, meters: dict[str, list[str]]) -> None:
        """List the collections (``meters``' keys) and, for the chosen one, the meters it holds."""
        self.meters = dict(meters)
        self.set_collections(list(meters))
        self._list_meters(self.collection.currentText())

    def _list_meters(self, collection: str) -> None:
        """Offer the meters ``collection`` has tunes in (all meters while that is not known),
        keeping the current meter when it is still offered."""
        _refill(self.meter, sorted(self.meters.get(collection) or METERS, key=METERS.index))


def _refill(combo: QComboBox, names: list[str]) -> None:
    """Replace ``combo``'s items by ``names`` (when given and different), keeping the current
    choice when it is still listed."""
    if names and names != [combo.itemText(i) for i in range(combo.count())]:
        current = combo.currentText()
        combo.clear()
        combo.addItems(names)
        combo.setCurrentText(current)  # no change when it is not listed
