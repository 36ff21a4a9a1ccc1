"""The Composer's transport bar: Play, Play block, Stop, Loop, Panic, Count-in, Click, the
output menu (from :func:`engine.playback.outputs.list_outputs`) and the "Drag MIDI" handle.

Only widgets: the panel connects them to its playback controller and chain.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.widgets.composer_drag import DragHandle
from engine.playback import outputs


class ComposerTransport(QWidget):
    """Two rows of transport controls; ``refresh_outputs()`` lists the outputs again."""

    def __init__(self, panel: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.play_button = QPushButton("Play")
        self.play_button.setToolTip("Play the chain (Space)")
        self.play_block_button = QPushButton("Play block")
        self.stop_button = QPushButton("Stop")
        self.loop_box = QCheckBox("Loop")
        self.count_in = QCheckBox("Count-in")
        self.count_in.setToolTip("One bar of clicks before the music (not when looping)")
        self.click = QCheckBox("Click")
        self.click.setToolTip("A metronome click on every beat while playing")
        self.panic_button = QPushButton("Panic")
        self.panic_button.setToolTip("Stop and silence every note on every channel")
        self.output = QComboBox()
        self.output.setMinimumContentsLength(14)
        self.output.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.refresh_button = QPushButton("↻")
        self.refresh_button.setFixedWidth(32)
        self.refresh_button.setToolTip("Look for audio devices, MIDI ports and collections again")
        self.drag_handle = DragHandle(panel)
        rows = QVBoxLayout(self)
        rows.setContentsMargins(0, 0, 0, 0)
        for widgets in ((self.play_button, self.play_block_button, self.stop_button,
                         self.loop_box, self.count_in, self.click),
                        (QLabel("Output"), self.output, self.refresh_button, self.panic_button,
                         self.drag_handle)):
            row = QHBoxLayout()
            for widget in widgets:
                row.addWidget(widget, 1 if widget is self.output else 0)
            row.addStretch(0)
            rows.addLayout(row)

    def refresh_outputs(self) -> list[str]:
        """List the outputs again, keeping the current choice if it is still there.

        Returns the reasons some outputs are missing (for the status bar).
        """
        found, problems = outputs.list_outputs()
        current = self.output.currentData()
        self.output.blockSignals(True)
        self.output.clear()
        for output in found:
            self.output.addItem(output.label, output)
        if current in found:
            self.output.setCurrentIndex(found.index(current))
        self.output.blockSignals(False)
        return problems

    def chosen(self) -> outputs.Output | None:
        """The output picked in the menu."""
        return self.output.currentData()

    def select(self, kind: str) -> bool:
        """Pick the first output of ``kind`` (synth, virtual, port); False if there is none."""
        for index in range(self.output.count()):
            if self.output.itemData(index).kind == kind:
                self.output.setCurrentIndex(index)
                return True
        return False
