"""Small dialogs and memories of the Library panel: the last folder, the corrupt-library offer."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget


def last_folder() -> str:
    """The folder the panel's last file dialog ended in (the home folder at first)."""
    from app import settings

    folder = settings.Settings().get(settings.LIBRARY_LAST_FOLDER)
    return folder if folder and Path(folder).is_dir() else str(Path.home())


def remember_folder(chosen: str | Path) -> None:
    """Open the next file dialog where this one ended (a file's folder, or the folder itself)."""
    from app import settings

    chosen = Path(chosen)
    folder = chosen if chosen.is_dir() else chosen.parent
    settings.Settings().set(settings.LIBRARY_LAST_FOLDER, str(folder))


def cluster_address() -> str:
    """The Dask scheduler scans analyse on (the Library setting), or "" for this computer."""
    from app import settings

    return settings.Settings().get(settings.LIBRARY_CLUSTER).strip()


def set_cluster_address(text: str) -> str:
    """Store the scheduler address (validated; "" for this computer); return what was stored."""
    from app import settings
    from engine.library.scan.cluster import scheduler_address

    address = scheduler_address(text) if text.strip() else ""
    settings.Settings().set(settings.LIBRARY_CLUSTER, address)
    return address


def ask_cluster_address(parent: QWidget) -> str | None:
    """Ask for the scheduler address; the status-bar line to show (None when cancelled)."""
    from PySide6.QtWidgets import QInputDialog

    from engine.errors import UserFacingError

    text, ok = QInputDialog.getText(
        parent, "Analysis cluster", "Dask scheduler that analyses new files (tcp://HOST:8786);\n"
        "empty: this computer. See docs/library.md.", text=cluster_address())
    if not ok:
        return None
    try:
        address = set_cluster_address(text)
    except UserFacingError as exc:
        return str(exc)
    return f"Scans analyse on {address}." if address else "Scans analyse on this computer."


def offer_fresh_library(parent: QWidget, message: str, accept: Callable[[], object]) -> QMessageBox:
    """Non-modal: offer to move a corrupt library aside (kept, renamed) and start a fresh one."""
    box = QMessageBox(QMessageBox.Icon.Warning, "The library cannot be read",
                      f"{message}.\n\nMove it aside (it is kept, renamed) and start a fresh "
                      "library?", parent=parent)
    move = box.addButton("Move aside and start fresh", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("Keep it", QMessageBox.ButtonRole.RejectRole)
    box.setWindowModality(Qt.WindowModality.NonModal)
    box.buttonClicked.connect(lambda button: button is move and accept())
    box.show()
    return box
