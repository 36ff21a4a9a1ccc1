"""Help > Licences: every bundled data/model licence and attribution file, rendered in place.

Markdown files (``.md``) are shown as formatted text (headings, tables, links), plain-text licences
as they are, in a read-only ``QTextBrowser``.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QListWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from engine.licences import LicenceFile, bundled_licences

MARKDOWN_SUFFIXES = (".md", ".markdown")


def show_document(browser: QTextBrowser, path: Path) -> None:
    """Show ``path`` in ``browser``: Markdown rendered, other text as plain text; errors inline."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        browser.setPlainText(f"Cannot read {path}: {exc.strerror or exc}")
        return
    browser.document().setBaseUrl(path.parent.as_uri() + "/")
    if path.suffix.lower() in MARKDOWN_SUFFIXES:
        browser.setMarkdown(text)
    else:
        browser.setPlainText(text)


class LicencesDialog(QDialog):
    """Lists licence files on the left and shows the selected one, formatted, on the right."""

    def __init__(self, parent: QWidget | None = None,
                 licences: list[LicenceFile] | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Licences and attributions")
        self.resize(960, 640)
        self.licences = bundled_licences() if licences is None else licences
        self.list = QListWidget()
        self.text = QTextBrowser()
        self.text.setOpenExternalLinks(True)
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

    def select(self, name: str) -> bool:
        """Show the first licence file called ``name``; tell whether there was one."""
        for row, item in enumerate(self.licences):
            if item.path.name == name:
                self.list.setCurrentRow(row)
                return True
        return False

    def _show(self, row: int) -> None:
        if 0 <= row < len(self.licences):
            show_document(self.text, self.licences[row].path)
