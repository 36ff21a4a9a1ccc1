"""The Library panel's playlist actions: build, show, save, export and import (a mixin).

A mixin for :class:`app.panels.library.LibraryPanel` (it uses the panel's ``builder``,
``transport``, ``side``, ``saved`` (the Saved tab), ``_builder_page``, ``_submit`` and
``_say``). A built or opened playlist goes to the builder's list and the transport's queue
(Space plays it); Save… keeps it in the library (the Saved tab lists it), File > Export… writes
it as M3U8 or XSPF, Import playlist… reads an M3U/M3U8/XSPF into the saved playlists. The work
is :mod:`engine.library.service` and :mod:`engine.library.playlists.saved`, imported when the
jobs run (on the library lane), never with the window.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QFileDialog, QInputDialog

from app.jobs import EngineModule, Job
from app.widgets import library_dialogs as dialogs

if TYPE_CHECKING:  # pragma: no cover
    from engine.library.playlists.build import PlaylistRules

saved = EngineModule("engine.library.playlists.saved")
service = EngineModule("engine.library.service")


class PlaylistActions:
    """Build a playlist from the seeds; open, save, export and import playlists."""

    builder: Any
    transport: Any
    side: Any
    saved: Any
    _builder_page: Any

    def _submit(self, func: Any, *args: Any, **kwargs: Any) -> Job:  # provided by the panel
        raise NotImplementedError

    def _say(self, message: str) -> None:  # provided by the panel
        raise NotImplementedError

    def build_playlist(self, rules: PlaylistRules, path_mode: bool) -> None:
        """Build a playlist from the selected seeds."""
        seeds = [s.id for s in self.builder.seeds]
        if path_mode:
            self._submit(service.make_playlist, seeds[:1], rules, path_to=seeds[1],
                         title="Building the playlist", on_result=self._playlist_built)
        else:
            self._submit(service.make_playlist, seeds, rules, title="Building the playlist",
                         on_result=self._playlist_built)

    def _playlist_built(self, result: Any) -> None:
        self.builder.show_items(result.items)
        self.transport.set_queue(result.items)
        self.side.setCurrentWidget(self._builder_page)
        self._say(f"Playlist of {len(result.items)} tracks ready: Space plays it; Save… or "
                  "File > Export… keeps it.")

    def _show_saved(self, name: str, items: list) -> None:
        self.builder.show_items(items)
        self.transport.set_queue(items)
        self.side.setCurrentWidget(self._builder_page)
        self._say(f"Opened “{name}” ({len(items)} tracks): Space plays it.")

    def ask_save(self) -> None:
        """Save the built playlist in the library under a name asked for."""
        name, ok = QInputDialog.getText(self, "Save playlist", "Name", text="My playlist")
        if ok:
            self.save_built(name)

    def save_built(self, name: str) -> Job:
        """Save the built playlist as ``name``; the Saved tab shows it."""
        return self._submit(saved.save_items, name, [i.id for i in self.builder.items],
                            title="Saving the playlist",
                            on_result=lambda _id: self.saved.refresh())

    def export(self) -> None:
        """File > Export…: save the built playlist as M3U8 or XSPF."""
        if not self.builder.items:
            self._say("Build a playlist first.")
            return
        target, _ = QFileDialog.getSaveFileName(
            self, "Export playlist", str(Path(dialogs.last_folder()) / "playlist.m3u8"),
            "M3U8 playlist (*.m3u8);;XSPF playlist (*.xspf)")
        if target:
            dialogs.remember_folder(target)
            self.export_playlist_to(target)

    def export_playlist_to(self, target: str | Path) -> Job:
        """Write the built playlist to ``target`` (relative paths)."""
        return self._submit(service.export_items, list(self.builder.items), str(target),
                            title="Exporting the playlist",
                            on_result=lambda path: self._say(f"Playlist written to {path}"))

    def choose_playlist_to_import(self) -> None:
        """Import an M3U/M3U8/XSPF playlist chosen in a dialog."""
        source, _ = QFileDialog.getOpenFileName(self, "Import playlist", dialogs.last_folder(),
                                                "Playlists (*.m3u *.m3u8 *.xspf)")
        if source:
            dialogs.remember_folder(source)
            self.import_playlist_file(source)

    def import_playlist_file(self, source: str | Path) -> Job:
        """Import ``source`` as a saved playlist and report what matched."""
        return self._submit(
            service.import_playlist, str(source), title="Importing the playlist",
            on_result=self._imported)

    def _imported(self, result: Any) -> None:
        self._say(f"Imported {len(result.track_ids)} tracks ({len(result.missing)} not in the "
                  "library).")
        if self.side.currentWidget() is self.saved:
            self.saved.refresh()
        self.side.setCurrentWidget(self.saved)  # (re)loads the list
