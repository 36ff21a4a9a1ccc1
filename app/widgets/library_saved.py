"""Saved and imported playlists: a list with Open, Rename…, Delete and Export….

Engine work (``engine/library/playlists/saved.py``) runs through the ``submit`` the panel passes in; Open
hands the playlist's tracks to ``opened(name, items)`` (the panel shows them in the builder and
the transport's queue). Delete asks first; nothing is deleted from the library but the list.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.jobs import EngineModule

if TYPE_CHECKING:  # pragma: no cover
    from engine.library.playlists.saved import SavedPlaylist

# Imported by the jobs that use it (on the library lane), not with the window.
saved = EngineModule("engine.library.playlists.saved")

ID_ROLE = Qt.ItemDataRole.UserRole


class SavedPlaylists(QWidget):
    """The library's saved playlists and what can be done with them."""

    opened = Signal(str, object)  # name, list[PlaylistItem]
    message = Signal(str)

    def __init__(self, submit: Callable[..., object], folder: Callable[[], str],
                 remember: Callable[[str], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._submit, self._folder, self._remember = submit, folder, remember
        self.playlists: list[SavedPlaylist] = []
        self.list = QListWidget()
        self.open_button = QPushButton("Open")
        self.rename_button = QPushButton("Rename…")
        self.delete_button = QPushButton("Delete")
        self.export_button = QPushButton("Export…")
        buttons = QHBoxLayout()
        for button in (self.open_button, self.rename_button, self.delete_button,
                       self.export_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Saved and imported playlists"))
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        self.open_button.clicked.connect(self.open_selected)
        self.rename_button.clicked.connect(self.ask_rename)
        self.delete_button.clicked.connect(self.ask_delete)
        self.export_button.clicked.connect(self.ask_export)
        self.list.itemDoubleClicked.connect(lambda _item: self.open_selected())
        self.list.currentRowChanged.connect(lambda _row: self._enable())
        self._enable()

    def refresh(self) -> object:
        """Reload the list from the library."""
        return self._submit(saved.list_playlists, title="Loading playlists", on_result=self.set_playlists)

    def set_playlists(self, playlists: list[SavedPlaylist]) -> None:
        """Show ``playlists``, keeping the selection by id."""
        keep = self.selected_id()
        self.playlists = list(playlists)
        self.list.clear()
        for playlist in self.playlists:
            item = QListWidgetItem(f"{playlist.name}  ({playlist.tracks} tracks)")
            item.setData(ID_ROLE, playlist.id)
            self.list.addItem(item)
            if playlist.id == keep:
                self.list.setCurrentItem(item)
        self._enable()

    def selected_id(self) -> int | None:
        """Id of the selected playlist."""
        item = self.list.currentItem()
        return None if item is None else int(item.data(ID_ROLE))

    def _selected(self) -> SavedPlaylist | None:
        chosen = self.selected_id()
        return next((p for p in self.playlists if p.id == chosen), None)

    def _enable(self) -> None:
        has = self.list.currentItem() is not None
        for button in (self.open_button, self.rename_button, self.delete_button,
                       self.export_button):
            button.setEnabled(has)

    def open_selected(self) -> object:
        """Load the selected playlist's tracks and emit ``opened``."""
        playlist = self._selected()
        if playlist is None:
            return None
        return self._submit(saved.playlist_items, playlist.id, title="Opening the playlist",
                            on_result=lambda items: self.opened.emit(playlist.name, items))

    def ask_rename(self) -> None:
        """Ask for a new name."""
        playlist = self._selected()
        if playlist is not None:
            name, ok = QInputDialog.getText(self, "Rename playlist", "Name", text=playlist.name)
            if ok:
                self.rename(playlist.id, name)

    def rename(self, playlist_id: int, name: str) -> object:
        """Rename a playlist, then reload the list."""
        return self._submit(saved.rename_playlist, playlist_id, name, title="Renaming",
                            on_result=lambda _name: self.refresh())

    def ask_delete(self) -> None:
        """Delete the selected playlist after asking."""
        playlist = self._selected()
        if playlist is not None and QMessageBox.question(
                self, "Delete playlist", f"Delete the playlist “{playlist.name}”? Its tracks "
                "stay in the library.") == QMessageBox.StandardButton.Yes:
            self.delete(playlist.id)

    def delete(self, playlist_id: int) -> object:
        """Delete a playlist, then reload the list."""
        return self._submit(saved.delete_playlist, playlist_id, title="Deleting",
                            on_result=lambda _none: self.refresh())

    def ask_export(self) -> None:
        """Export the selected playlist to a file chosen in a dialog."""
        playlist = self._selected()
        if playlist is None:
            return
        target, _ = QFileDialog.getSaveFileName(
            self, "Export playlist", str(Path(self._folder()) / f"{playlist.name}.m3u8"),
            "M3U8 playlist (*.m3u8);;XSPF playlist (*.xspf)")
        if target:
            self._remember(target)
            self.export(playlist.id, target)

    def export(self, playlist_id: int, target: str | Path) -> object:
        """Write a saved playlist to ``target``."""
        return self._submit(saved.export_playlist, playlist_id, str(target), title="Exporting",
                            on_result=lambda path: self.message.emit(f"Playlist written to {path}"))
