"""The Lyrics panel: two artists' models write a song together, line by line.

Choose artists A and B, their temperatures, whose turn it is (ABAB, AABB, by stanza), the rhyme
scheme (AABB, ABAB, ABCB or none), the metre (common 8-6-8-6, long, short or free), the number of
lines and a seed, then "Write duet". Lines appear coloured by artist, with their end word coloured
by the rhyme it shares with other lines of its stanza and their syllable count (against the metre's
target); each has a lock and a regenerate button, and can be edited in place. "Set to melody" sings
the duet to a MIDI file or to the Composer's current chain (whose lead sheet then prints the
words). Type a line and "Continue" to let the artists carry on from it. Copy and File > Export…
give the duet as text. Every change to the lines goes through the undo stack. Model work runs on
the engine lane; training runs in the "Add artist…" dialog. Row cells and the undo commands live
in :mod:`app.widgets.lyrics_rows`, the table's filling and its edits in
:mod:`app.widgets.lyrics_table`, the "Set to melody" actions in :mod:`app.widgets.lyrics_sing`.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.dialogs.train_artist import TrainArtistDialog
from app.jobs import Job, JobRunner
from app.panels.base import Panel
from app.widgets.lyrics_rows import LinesCommand, int_spin, temperature_spin
from app.widgets.lyrics_sing import SingMixin
from app.widgets.lyrics_table import (  # noqa: F401 - COL_* and VOICE_COLOURS: re-exported
    COL_ARTIST,
    COL_LOCK,
    COL_REGEN,
    COL_RHYME,
    COL_SYLLABLES,
    COL_TEXT,
    VOICE_COLOURS,
    DuetTable,
    duet_table,
)
from engine.atomic import atomic_write_text
from engine.lyrics import service
from engine.lyrics.duet import DuetLine, DuetSpec, duet_text
from engine.project.lyrics import lyrics_section, read_lyrics_section

PATTERNS = (("ABAB", "ABAB"), ("AABB", "AABB"), ("By stanza", "stanza"))
RHYMES = (("ABAB", "ABAB"), ("AABB", "AABB"), ("ABCB (ballad)", "ABCB"), ("None", "none"))
METRES = (("Common 8-6-8-6", "common"), ("Long 8-8-8-8", "long"), ("Short 6-6-8-6", "short"),
          ("Free", "free"))


class LyricsPanel(DuetTable, SingMixin, Panel):
    """Write duet lyrics with two artists' models."""

    title = "Lyrics"
    object_name = "lyrics_panel"

    def __init__(self, runner: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(runner, parent)
        self.lines: list[DuetLine] = []
        self.artists: list = []
        self.dialog: TrainArtistDialog | None = None
        self._job: Job | None = None
        self._attempts: dict[int, int] = {}
        self._filling = False
        self._closed = False
        self._listed = False
        self._wanted: tuple[str, str] = ("", "")  # artists a project chose before they were listed
        self.foreign_rows: list[int] = []  # locked lines by an artist not in the current pair
        self._build()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        """List the artists the first time the panel is shown (torch loads lazily, off the GUI thread)."""
        super().showEvent(event)
        if not self._listed:
            self._listed = True
            self.refresh_artists()

    # ----------------------------------------------------------------- widgets
    def _build(self) -> None:
        self.artist_a, self.artist_b = QComboBox(), QComboBox()
        self.temp_a, self.temp_b = temperature_spin(), temperature_spin()
        self.pattern, self.rhyme, self.metre = QComboBox(), QComboBox(), QComboBox()
        for combo, choices in ((self.pattern, PATTERNS), (self.rhyme, RHYMES), (self.metre, METRES)):
            for label, value in choices:
                combo.addItem(label, value)
        self.real_words = QCheckBox("Real words only")
        self.real_words.setChecked(True)
        self.real_words.setToolTip("Every word from the artist's training text or the pronouncing dictionary")
        for combo in (self.artist_a, self.artist_b):
            combo.currentIndexChanged.connect(lambda _i: self._flag_foreign())
        self.line_count = int_spin(1, 200, 8)
        self.seed = int_spin(0, 2**31 - 1, 1)
        self.write_button = QPushButton("Write duet")
        self.write_button.clicked.connect(self.write)
        self.add_button = QPushButton("Add artist…")
        self.add_button.clicked.connect(self.add_artist)
        grid = QGridLayout()
        for col, (label, widget) in enumerate(
            (("Artist A", self.artist_a), ("A's temperature", self.temp_a),
             ("Artist B", self.artist_b), ("B's temperature", self.temp_b))):
            grid.addWidget(QLabel(label), 0, col)
            grid.addWidget(widget, 1, col)
        for col, (label, widget) in enumerate(
            (("Turns", self.pattern), ("Rhyme", self.rhyme), ("Metre", self.metre),
             ("Lines", self.line_count), ("Seed", self.seed))):
            grid.addWidget(QLabel(label), 2, col)
            grid.addWidget(widget, 3, col)
        grid.addWidget(self.real_words, 1, 5)
        grid.addWidget(self.write_button, 3, 5)
        grid.addWidget(self.add_button, 1, 4)

        self.table = duet_table()
        self.table.itemChanged.connect(self._on_item_changed)

        self.user_line = QLineEdit()
        self.user_line.setPlaceholderText("Type a line and press Continue; the artists carry on from it")
        self.user_line.returnPressed.connect(self.continue_from_user)
        self.continue_count = int_spin(1, 32, 4)
        self.continue_button = QPushButton("Continue")
        self.continue_button.clicked.connect(self.continue_from_user)
        self.with_names = QCheckBox("Names in copy/export")
        self.with_names.setChecked(True)
        copy_button = QPushButton("Copy")
        copy_button.clicked.connect(self.copy)
        export_button = QPushButton("Export…")
        export_button.clicked.connect(self.export)
        melody_button = QToolButton()
        melody_button.setText("Set to melody")
        melody_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        melody_button.setToolTip("Sing the duet to a melody: saves a MIDI with lyric events")
        menu = QMenu(melody_button)
        menu.addAction("From a MIDI file…", self.set_to_melody)
        menu.addAction("From the Composer's chain…", self.set_to_chain)
        melody_button.setMenu(menu)
        bottom = QHBoxLayout()
        bottom.addWidget(self.user_line, 1)
        bottom.addWidget(QLabel("then"))
        bottom.addWidget(self.continue_count)
        bottom.addWidget(QLabel("lines"))
        bottom.addWidget(self.continue_button)
        bottom.addWidget(self.with_names)
        bottom.addWidget(copy_button)
        bottom.addWidget(export_button)
        bottom.addWidget(melody_button)
        self.status = QLabel("Loading artists…")
        self.write_button.setEnabled(False)
        self.continue_button.setEnabled(False)

        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)
        layout.addWidget(self.status)

    # ----------------------------------------------------------------- artists
    def refresh_artists(self) -> Job:
        """List installed artists on the engine thread and fill the A/B choosers."""
        job = self.runner.submit(service.artist_listing, title="Listing lyric artists")
        job.result.connect(lambda listing: self._on_artists(*listing))
        job.error.connect(lambda message, _details: self._say(f"Could not list artists: {message}"))
        return job

    def _on_artists(self, found: list, broken: list | tuple = ()) -> None:
        if self._closed:
            return
        self.artists = list(found)
        for combo, default, wanted in ((self.artist_a, 0, self._wanted[0]),
                                       (self.artist_b, 1, self._wanted[1])):
            current = wanted or combo.currentData()
            combo.clear()
            for info in self.artists:
                combo.addItem(info.name, info.slug)
            index = combo.findData(current)
            combo.setCurrentIndex(index if index >= 0 else min(default, combo.count() - 1))
        ready = len(self.artists) > 0
        self.write_button.setEnabled(ready)
        self._say((f"{len(self.artists)} artists installed." if ready else
                   "No artists installed: add one with 'Add artist…'.")
                  + "".join(f" Unreadable artist model {b}" for b in broken))

    def set_read_only(self, reason: str) -> None:
        """Trained artists are saved in SEGUE_HOME: Add artist… is off; duets still work."""
        self.add_button.setEnabled(False)
        self.add_button.setToolTip(f"Off: a trained artist is saved in SEGUE_HOME ({reason}).")

    def add_artist(self) -> TrainArtistDialog:
        """Open the train-artist dialog (training runs in the background)."""
        if self.dialog is None:
            self.dialog = TrainArtistDialog(self.runner, self)
            self.dialog.trained.connect(self._on_trained)
        self.dialog.show()
        return self.dialog

    def _on_trained(self, info: object) -> None:
        self._say(f"New artist {getattr(info, 'name', '')} installed.")
        self.refresh_artists()

    # ----------------------------------------------------------------- duets
    def spec(self) -> DuetSpec:
        """The duet settings chosen in the panel."""
        return DuetSpec(lines=self.line_count.value(), pattern=self.pattern.currentData(),
                        seed=self.seed.value(), temperatures=(self.temp_a.value(), self.temp_b.value()),
                        rhyme=self.rhyme.currentData(), metre=self.metre.currentData(),
                        real_words=self.real_words.isChecked())

    def _pair(self) -> tuple[str, str] | None:
        a, b = self.artist_a.currentData(), self.artist_b.currentData()
        if not a or not b:
            self._say("Choose two artists first.")
            return None
        return a, b

    def write(self) -> Job | None:
        """Write a new duet (locked lines stay in place)."""
        pair = self._pair()
        if pair is None:
            return None
        before = list(self.lines)
        return self._run(service.write, *pair, self.spec(), before, title="Writing duet",
                         done=lambda lines: self._apply(before, lines, "Write duet"))

    def regenerate(self, index: int) -> Job | None:
        """Rewrite line ``index`` only."""
        pair = self._pair()
        if pair is None or not 0 <= index < len(self.lines):
            return None
        self._attempts[index] = self._attempts.get(index, 0) + 1
        sent = list(self.lines)

        def done(result: list[DuetLine]) -> None:
            if index < len(self.lines) and self.lines[:index] == sent[:index]:
                after = list(self.lines)
                after[index] = result[index]
                self._apply(self.lines, after, f"Regenerate line {index + 1}")

        return self._run(service.regenerate, *pair, sent, index, self.spec(), self._attempts[index],
                         title=f"Regenerating line {index + 1}", done=done)

    def continue_from_user(self) -> Job | None:
        """Append the typed line (if any) and let the artists continue."""
        pair = self._pair()
        if pair is None:
            return None
        text, before = self.user_line.text(), list(self.lines)

        def done(result: list[DuetLine]) -> None:
            self.user_line.clear()
            self._apply(before, result, "Continue duet")

        return self._run(service.extend, *pair, before, text, self.spec(), self.continue_count.value(),
                         title="Continuing duet", done=done)

    def set_locked(self, index: int, locked: bool) -> None:
        """Lock or unlock a line (undoable)."""
        if 0 <= index < len(self.lines) and self.lines[index].locked != locked:
            after = list(self.lines)
            after[index] = replace(after[index], locked=locked)
            self.undo_stack.push(LinesCommand(self, self.lines, after,
                                              f"{'Lock' if locked else 'Unlock'} line {index + 1}"))

    def edit_line(self, index: int, text: str) -> None:
        """Replace a line's text by hand (undoable)."""
        if 0 <= index < len(self.lines) and self.lines[index].text != text:
            after = list(self.lines)
            after[index] = replace(after[index], text=text)
            self.undo_stack.push(LinesCommand(self, self.lines, after, f"Edit line {index + 1}"))

    def _run(self, func, *args, title: str, done) -> Job:
        self._set_busy(True)
        job = self.runner.submit(func, *args, title=title)
        job.result.connect(lambda value: None if self._closed else done(value))
        job.error.connect(lambda message, _details: self._say(f"{title} failed: {message}"))
        job.finished.connect(lambda: self._set_busy(False))
        job.progress.connect(lambda _f, message: self._say(f"{title}: {message}"))
        job.cancelled.connect(lambda: self._say(f"{title}: cancelled."))
        self._job = job
        return job

    def _apply(self, before: list[DuetLine], after: list[DuetLine], text: str) -> None:
        if after != before:
            self.undo_stack.push(LinesCommand(self, before, after, text))
        self._say(f"{text}: done.")

    def _set_busy(self, busy: bool) -> None:
        if self._closed:
            return
        for widget in (self.write_button, self.continue_button):
            widget.setEnabled(not busy and bool(self.artists))
        if not busy:
            self._job = None

    # ----------------------------------------------------------------- text
    def text(self) -> str:
        """The duet as plain text (with writers' names if chosen)."""
        return duet_text(self.lines, self.spec(), labels=self.with_names.isChecked()) if self.lines else ""

    def copy(self) -> None:
        """Copy the duet to the clipboard."""
        QGuiApplication.clipboard().setText(self.text())
        self._say("Duet copied.")

    def export(self) -> None:
        """File > Export…: save the duet as a UTF-8 text file."""
        if not self.lines:
            self._say("Nothing to export yet: write a duet first.")
            return
        path = self.ask_export_path()
        if path:
            atomic_write_text(path, self.text())
            self._say(f"Duet exported to {path}.")

    def ask_export_path(self) -> str:
        """Ask where to export (tests replace this)."""
        path, _ = QFileDialog.getSaveFileName(self, "Export duet", str(Path.home() / "duet.txt"),
                                              "Text (*.txt)")
        return path

    # ----------------------------------------------------------------- project
    def project_state(self) -> dict:
        """The Lyrics part of a project: artists, duet settings and lines (plain data)."""
        return lyrics_section(
            [self.artist_a.currentData() or self._wanted[0],
             self.artist_b.currentData() or self._wanted[1]],
            [self.temp_a.value(), self.temp_b.value()], self.pattern.currentData(),
            self.line_count.value(), self.seed.value(), self.continue_count.value(),
            self.with_names.isChecked(), self.lines, self.rhyme.currentData(),
            self.metre.currentData(), self.sung_to)

    def apply_project_state(self, state: dict) -> list[str]:
        """Show a project's Lyrics part (undo history starts afresh); return warnings."""
        section, lines = read_lyrics_section(state)
        self._wanted = (section.artist_a, section.artist_b)
        for combo, slug in ((self.artist_a, section.artist_a), (self.artist_b, section.artist_b)):
            if combo.findData(slug) >= 0:
                combo.setCurrentIndex(combo.findData(slug))
        self.temp_a.setValue(section.temperatures[0])
        self.temp_b.setValue(section.temperatures[1])
        self.pattern.setCurrentIndex(max(0, self.pattern.findData(section.pattern)))
        self.line_count.setValue(section.lines_count)
        self.seed.setValue(section.seed)
        self.continue_count.setValue(section.continue_count)
        self.with_names.setChecked(section.with_names)
        for combo, value in ((self.rhyme, section.rhyme), (self.metre, section.metre)):
            if combo.findData(value) >= 0:  # an unknown value keeps the panel's choice
                combo.setCurrentIndex(combo.findData(value))
        self.undo_stack.clear()
        self.sung_to = section.sung_to
        self.set_lines(lines)
        return []

    def _say(self, message: str) -> None:
        if self._closed:
            return
        self.status.setText(message)
        self.status_message.emit(message)

    def shutdown(self) -> None:
        """Stop reacting to jobs; cancel a running duet job."""
        if self._job is not None:
            self._job.cancel()
        if self.dialog is not None:
            self.dialog.reject()
        self._closed = True
