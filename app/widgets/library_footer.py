"""The Library panel's footer: what the library holds (tracks, analysed, not music, demo clips,
copies of the same audio shown once) and Remove demo tracks, which asks before it acts."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMessageBox, QPushButton, QWidget


class LibraryFooter(QWidget):
    """A summary line and the Remove demo tracks button (shown while demo clips are in)."""

    remove_demo_confirmed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = QLabel("")
        self.remove_demo_button = QPushButton("Remove demo tracks")
        self.remove_demo_button.setToolTip("Take the bundled demo clips out of the library (asks "
                                           "first; Add folder… on assets/audio brings them back)")
        self.remove_demo_button.setVisible(False)
        self.demo_count = 0
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary, 1)
        layout.addWidget(self.remove_demo_button)
        self.remove_demo_button.clicked.connect(self.ask_remove_demo)

    def show_rows(self, rows: list, read_only: bool = False) -> None:
        """Summarise the table's rows (``TrackRow``s)."""
        analysed = sum(r.status == "analysed" for r in rows)
        skipped = sum(r.status == "skipped" for r in rows)
        other = sum(bool(r.kind) and r.kind != "music" for r in rows)
        self.demo_count = sum(r.demo + r.demo_copies for r in rows)
        copies = sum(len(r.copies) for r in rows)
        extra = "".join([f", {other} not music" if other else "",
                         f", {self.demo_count} demo" if self.demo_count else "",
                         f"; {copies} {'copy' if copies == 1 else 'copies'} of the same audio "
                         "shown once" if copies else ""])
        self.summary.setText(f"{len(rows)} tracks: {analysed} analysed, {skipped} skipped{extra}")
        self.remove_demo_button.setVisible(bool(self.demo_count) and not read_only)

    def ask_remove_demo(self) -> None:
        """Ask; on Yes, emit :attr:`remove_demo_confirmed`."""
        answer = QMessageBox.question(
            self, "Remove demo tracks",
            f"Take the {self.demo_count} bundled demo tracks out of the library? Your own files "
            "stay; Add folder… on the demo folder (assets/audio) brings them back.")
        if answer == QMessageBox.StandardButton.Yes:
            self.remove_demo_confirmed.emit()
