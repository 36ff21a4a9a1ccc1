"""The Composer's File > Export lead sheet…: the chain as MusicXML (and a PDF by MuseScore).

A mixin for :class:`app.panels.composer.ComposerPanel` (it uses the panel's ``state``, ``_run``
and ``status_message``). The lead sheet is built from the chain in memory — its melody, chord
symbols, key, meter and tempo — titled with the project's name; the duet's lines go under the
melody when the Lyrics tab was set to this chain (its ``sung_to`` is this melody's fingerprint).
The writing (music21, then MuseScore for the PDF) runs on the engine thread
(:func:`engine.music.leadsheet.write_leadsheet`); the status line says where it went or what
failed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog

from app.jobs import Job
from app.widgets.composer_commands import call
from engine.lyrics.melody import melody_of_state
from engine.music.leadsheet import MUSESCORE_HINT, LeadSheet, find_musescore, write_leadsheet
from engine.music.syllables import Melody

XML_FILTER = "MusicXML (*.musicxml *.xml)"
PDF_FILTER = "MusicXML and a PDF by MuseScore (*.musicxml *.xml)"


class LeadSheetMixin:
    """File > Export lead sheet… for the Composer panel."""

    state: Any
    status_message: Any

    def _run(self, *args: Any, **kwargs: Any) -> Job | None:  # provided by the panel
        raise NotImplementedError

    def _window_part(self, name: str) -> Any:
        """The window's ``project`` controller or a panel by object name (None if absent)."""
        window = self.window()  # type: ignore[attr-defined]
        if name == "project":
            return getattr(window, "project", None)
        finder = getattr(window, "panel", None)
        try:
            return finder(name) if callable(finder) else None
        except StopIteration:
            return None

    def sung_lines(self, melody: Melody) -> tuple[tuple[str, ...], str]:
        """The duet's lines and their writers when the Lyrics tab was set to ``melody``."""
        from engine.project.leadsheet import lyricist

        lyrics = self._window_part("lyrics_panel")
        if lyrics is None or not getattr(lyrics, "sung_to", "") or \
                lyrics.sung_to != melody.fingerprint():
            return (), ""
        return (tuple(line.text for line in lyrics.lines),
                lyricist([line.artist for line in lyrics.lines]))

    def leadsheet(self) -> LeadSheet | None:
        """The lead sheet of the chain shown now (None before the first compose)."""
        from engine.project.files import project_name

        if self.state is None:
            return None
        melody = melody_of_state(self.state)
        chords = tuple((c.start, c.end, c.name) for c in self.state.chords)
        lines, writers = self.sung_lines(melody)
        project = self._window_part("project")
        return LeadSheet(project_name(getattr(project, "path", None)), melody, chords, lines,
                         writers)

    def export_leadsheet(self) -> Job | None:
        """File > Export lead sheet…: ask where (and whether to make a PDF), then write it."""
        if self.state is None:
            self.status_message.emit("Composer: compose a chain before exporting its lead sheet.")
            return None
        paths = self.ask_leadsheet_paths()
        return self.export_leadsheet_to(*paths) if paths is not None else None

    def export_leadsheet_to(self, path: str | Path, pdf: str | Path | None = None) -> Job | None:
        """Write the lead sheet to ``path`` (and ``pdf``) on the engine thread; report it."""
        sheet = self.leadsheet()
        if sheet is None:
            return None

        def done(result: Any) -> None:
            words = (f"{result.syllables} syllables of the duet" if result.syllables else
                     "no words (set the duet to this chain in the Lyrics tab for them)")
            made = f" and {result.pdf}" if result.pdf is not None else (
                "" if find_musescore() else f" ({MUSESCORE_HINT} for a PDF)")
            self.status_message.emit(f"Composer: lead sheet written to {result.musicxml}{made}: "
                                     f"{result.bars} bars, {result.chords} chord symbols, {words}.")
        return self._run(call, write_leadsheet, sheet, Path(path),
                         Path(pdf) if pdf is not None else None, title="Export lead sheet",
                         on_result=done, guard=False)

    def ask_leadsheet_paths(self) -> tuple[Path, Path | None] | None:
        """Ask where to save the MusicXML; offer a PDF too when MuseScore is installed (tests
        replace this)."""
        sheet = self.leadsheet()
        suggestion = f"{sheet.title if sheet else 'lead sheet'}.musicxml"
        musescore = find_musescore()
        filters = f"{PDF_FILTER};;{XML_FILTER}" if musescore else XML_FILTER
        path, chosen = QFileDialog.getSaveFileName(self, "Export lead sheet", suggestion, filters)
        if not path:
            return None
        target = Path(path)
        if target.suffix.lower() == ".pdf":
            return target.with_suffix(".musicxml"), target
        if target.suffix.lower() not in (".musicxml", ".xml"):
            target = target.with_name(target.name + ".musicxml")
        return target, (target.with_suffix(".pdf") if chosen == PDF_FILTER else None)
