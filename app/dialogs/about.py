"""Help > About: Segue's version and licence, and credits for every bundled dataset and model.

The credits come from ``assets/CREDITS.md`` (one row per bundled dataset or model), rendered as
formatted text; a button opens Help > Licences for the full licence texts.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

import engine
from app import icons
from app.dialogs.licences import LicencesDialog, show_document
from engine.licences import credits_file

LICENCE = "GPL-3.0-or-later"


class AboutDialog(QDialog):
    """Version, licence and credits, with a button to the full licence texts."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About Segue")
        self.setWindowIcon(icons.get("segue"))
        self.resize(820, 560)
        self.licences_dialog: LicencesDialog | None = None
        self.heading = QLabel(
            f"<h2>Segue {engine.__version__}</h2>"
            "<p>A desktop studio for musicians: compose segment chains, write duet lyrics, build "
            "playlists, offline.</p>"
            f"<p>Copyright © the Segue developers. Licence: <b>{LICENCE}</b> — free software: "
            "you may share and change it under the terms of the GNU General Public License, "
            "version 3 or later. There is no warranty.</p>")
        self.heading.setWordWrap(True)
        self.heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.credits = QTextBrowser()
        self.credits.setOpenExternalLinks(True)
        show_document(self.credits, credits_file())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.licences_button = QPushButton("Licences…")
        buttons.addButton(self.licences_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.licences_button.clicked.connect(self.show_licences)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.credits, 1)
        layout.addWidget(buttons)

    def show_licences(self) -> LicencesDialog:
        """Open Help > Licences (non-modal) from the About box and return it."""
        self.licences_dialog = LicencesDialog(self)
        self.licences_dialog.show()
        return self.licences_dialog
