"""Help > Licences: every bundled data/model licence and attribution file, readable in place."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QListWidget,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from engine.licences import LicenceFile, bundled_licences


class LicencesDialog(QDialog):
    """Lists licence files on the left and shows the selected one's text on the right."""

    def __init__(self, parent: QWidget | None = None,
                 licences: list[LicenceFile] | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Licences and attributions")
        self.resize(900, 600)
        self.licences = bundled_licences() if licences is None else licences
        self.list = QListWidget()
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        for item in self.licences:
            self.list.addItem(f"{item.covers} — {item.path.name}")
        self.list.currentRowChanged.connect(self._show)
        body = QHBoxLayout()
        body.addWidget(self.list, 1)
        body.addWidget(self.text, 2)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(body)
        layout.addWidget(buttons)
        if self.licences:
            self.list.setCurrentRow(0)

    def _show(self, row: int) -> None:
        if 0 <= row < len(self.licences):
            path = self.licences[row].path
            try:
                self.text.setPlainText(path.read_text(encoding="utf-8", errors="replace"))
            except OSError as exc:
                self.text.setPlainText(f"Cannot read {path}: {exc}")
