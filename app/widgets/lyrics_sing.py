"""The Lyrics panel's "Set to melody" actions: sing the duet to a MIDI file or the Composer's chain.

A mixin for :class:`app.panels.lyrics.LyricsPanel` (it uses the panel's ``lines``, ``runner``,
``undo_stack`` and ``_say``); the work runs as background jobs through the engine
(:func:`engine.lyrics.service.melody` for a file, :func:`engine.lyrics.service.sing_chain` for
the chain's notes in memory: no temporary file, no model, so a project whose collection is not
installed can be sung). Setting the duet to the chain records the chain's melody fingerprint in
``sung_to`` (undoable, saved in the project): the lead sheet of that chain prints the words.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog

from app.jobs import Job
from app.widgets.lyrics_rows import SungCommand
from engine.lyrics import service
from engine.lyrics.melody import melody_of_state


class SingMixin:
    """Set the panel's duet to a melody (file or Composer chain), saving a karaoke-style MIDI."""

    lines: list
    runner: Any
    undo_stack: Any
    sung_to: str = ""  # the fingerprint of the chain melody the duet was set to ("" = none)

    def _say(self, message: str) -> None:  # provided by the panel
        raise NotImplementedError

    def set_to_melody(self) -> Job | None:
        """Fit the duet's syllables to a MIDI melody and save a karaoke-style MIDI (background job)."""
        if not self.lines:
            self._say("Nothing to sing yet: write a duet first.")
            return None
        paths = self.ask_melody_paths()
        if paths is None:
            return None
        job = self.runner.submit(service.melody, [ln.text for ln in self.lines], *paths,
                                 title="Setting duet to melody")
        job.result.connect(lambda fit: self._say(
            f"Sung {fit.syllables} syllables on {fit.notes} melody notes"
            f"{f' (melody repeated {fit.repeats}×)' if fit.repeats > 1 else ''}: {fit.path}"))
        job.error.connect(lambda message, _details: self._say(f"Set to melody failed: {message}"))
        return job

    def composer_state(self) -> Any:
        """The Composer panel's chain state in this window (None if it has no chain)."""
        finder = getattr(self.window(), "panel", None)
        try:
            composer = finder("composer_panel") if callable(finder) else None
        except StopIteration:
            composer = None
        return getattr(composer, "state", None)

    def set_to_chain(self, state: Any = None) -> Job | None:
        """Sing the duet to the Composer's chain (its melody notes, in memory), save a karaoke
        MIDI and remember the chain (undoable) for its lead sheet."""
        state = state if state is not None else self.composer_state()
        if not self.lines:
            self._say("Nothing to sing yet: write a duet first.")
            return None
        if state is None:
            self._say("The Composer has no chain yet: compose one first, or choose a MIDI file.")
            return None
        melody = melody_of_state(state)
        if not melody.notes:
            self._say("The Composer's chain has no melody notes to sing.")
            return None
        out = self.ask_sung_path(str(Path.home() / "duet.lyrics.mid"))
        if not out:
            return None
        job = self.runner.submit(service.sing_chain, [ln.text for ln in self.lines], melody, out,
                                 title="Setting duet to the Composer's chain")
        job.result.connect(self._sung_to_chain)
        job.error.connect(lambda message, _details: self._say(f"Set to melody failed: {message}"))
        return job

    def _sung_to_chain(self, fit: Any) -> None:
        if fit.fingerprint != self.sung_to:
            self.undo_stack.push(SungCommand(self, self.sung_to, fit.fingerprint,
                                             "Set to the Composer's chain"))
        self._say(f"Sung {fit.syllables} syllables on {fit.notes} notes of the Composer's chain: "
                  f"{fit.path} (its lead sheet, Composer > File > Export lead sheet…, prints "
                  "the words)")

    def ask_sung_path(self, suggestion: str) -> str:
        """Ask where to save the sung MIDI (tests replace this)."""
        path, _ = QFileDialog.getSaveFileName(self, "Save sung MIDI", suggestion, "MIDI (*.mid)")
        return path

    def ask_melody_paths(self) -> tuple[str, str] | None:
        """Ask for the melody MIDI and where to save the sung MIDI (tests replace this)."""
        midi_in, _ = QFileDialog.getOpenFileName(self, "Melody (MIDI)", str(Path.home()),
                                                 "MIDI (*.mid *.midi)")
        if not midi_in:
            return None
        midi_out, _ = QFileDialog.getSaveFileName(self, "Save sung MIDI",
                                                  str(Path(midi_in).with_suffix(".lyrics.mid")),
                                                  "MIDI (*.mid)")
        return (midi_in, midi_out) if midi_out else None
