"""The Composer's transport: Play, Play block, Stop, Loop, Panic, Count-in, Click, the output
menu (from :func:`engine.playback.outputs.list_outputs`) and the "Drag MIDI" handle.

It owns the :class:`PlaybackController`, turns the panel's chain into events through
:func:`engine.playback.outputs.span_events` (count-in and click included) and moves the chain
view's playhead. When nothing can play (no audio device, no MIDI backend) or only the fallback
synth can, the :class:`~app.widgets.composer_audio_export.PlaybackNotice` under the controls
says so once, with the backends tried and an "Export audio…" offer; never a dialog.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.jobs import Job, JobRunner
from app.widgets.composer_audio_export import PlaybackNotice
from app.widgets.composer_commands import call
from app.widgets.composer_drag import DragHandle
from app.widgets.composer_edits import compact
from app.widgets.composer_playback import PlaybackController
from engine.dshl.chain import ChainState
from engine.playback import outputs


class ComposerTransport(QWidget):
    """Two rows of transport controls; ``refresh_outputs()`` lists the outputs again."""

    def __init__(self, panel: Any, runner: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.panel = panel
        self.playback = PlaybackController(runner, self)
        self._play_start = 0.0
        self._listed = False  # the output menu has been filled (see list_in_background)
        self.play_button = QPushButton("Play")
        self.play_button.setToolTip("Play the chain (Space)")
        self.play_block_button = QPushButton("Play block")
        self.stop_button = QPushButton("Stop")
        self.loop_box = QCheckBox("Loop")
        self.count_in = QCheckBox("Count-in")
        self.count_in.setToolTip("One bar of clicks before the music (not when looping)")
        self.click = QCheckBox("Click")
        self.click.setToolTip("A metronome click on every beat while playing")
        self.panic_button = QPushButton("Panic")
        self.panic_button.setToolTip("Stop and silence every note on every channel")
        self.output = QComboBox()
        self.output.setMinimumContentsLength(10)
        self.output.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.refresh_button = QPushButton("↻")
        self.refresh_button.setFixedWidth(32)
        self.refresh_button.setToolTip("Look for audio devices, MIDI ports and collections again")
        self.drag_handle = DragHandle(lambda: panel.state)
        self.notice = PlaybackNotice()
        self._problems: list[str] = []  # why outputs are missing, from the last listing
        self._said: set[str] = set()  # problems said in the status bar (each is said once)
        rows = QVBoxLayout(self)
        rows.setContentsMargins(0, 0, 0, 0)
        for widgets in ((self.play_button, self.play_block_button, self.stop_button,
                         self.loop_box, self.count_in, self.click),
                        (QLabel("Output"), self.output, self.refresh_button, self.panic_button,
                         self.drag_handle)):
            row = QHBoxLayout()
            for widget in widgets:
                if isinstance(widget, QPushButton) and widget is not self.refresh_button:
                    compact(widget, widget.text())
                row.addWidget(widget, 1 if widget is self.output else 0)
            row.addStretch(0)
            rows.addLayout(row)
        rows.addWidget(self.notice)
        self.stop_button.clicked.connect(self.playback.stop)
        self.panic_button.clicked.connect(self.playback.panic)
        self.refresh_button.clicked.connect(self.refresh)
        self.output.currentIndexChanged.connect(self._choose)
        self.output.activated.connect(lambda _index: self.output.count() and self.playback.open())
        self.playback.playhead.connect(self._follow_playhead)
        self.playback.message.connect(self._say)
        self.playback.unavailable.connect(self._unavailable)
        self.playback.available.connect(self.notice.hide)
        self.notice.export_requested.connect(lambda: panel.export_audio())

    def _say(self, text: str) -> None:
        self.panel.status_message.emit(f"Composer: {text}")

    def _unavailable(self, problem: str, fallback: bool) -> None:
        """Show why the chosen output cannot open (inline), and say it once in the status bar."""
        self.notice.show_problem(problem, fallback)
        if problem not in self._said:
            self._said.add(problem)
            self._say("playing through the internal synth instead: see the note above the roll."
                      if fallback else "cannot play here: see the note above the roll "
                      "(Export audio… renders the chain to a file).")

    def _nothing_to_play(self) -> None:
        """No output at all: say so inline with every reason (the menu is empty)."""
        problem = "; ".join(self._problems) or "no audio device or MIDI port"
        self._unavailable(problem, False)

    def refresh(self) -> None:
        """List the outputs again and say in the status bar what is missing and why."""
        self.playback.forget_problem()
        self._said.clear()
        self.notice.hide()
        self._report(self.refresh_outputs())

    def list_in_background(self) -> Job:
        """List the outputs on the playback lane (probing audio devices and MIDI ports takes a
        while: not while the window opens), then fill the menu as :meth:`refresh` does. Until then
        anything that needs the menu lists the outputs itself, and this result is dropped."""
        runner = self.playback.runner
        job = runner.prepare(call, outputs.list_outputs, title="Looking for audio and MIDI outputs")
        job.result.connect(lambda listing: None if self._listed else self._report(
            self._fill(*listing)))
        runner.start(job, lane="playback")
        return job

    def _report(self, problems: list[str]) -> None:
        """Choose the output now selected; say what is missing and why."""
        self._choose()
        if self.output.count() == 0:
            self._nothing_to_play()
        elif problems:
            self._say("; ".join(problems) + ".")

    def _choose(self) -> None:
        output = self.output.currentData()
        if output is not None:
            self.playback.choose(output)

    def _follow_playhead(self, seconds: float) -> None:
        state, view = self.panel.state, self.panel.view
        beats = seconds * (state.chain.request.tempo if state else 120.0) / 60.0
        playing = self.playback.playing and beats >= self._play_start
        view.set_playhead(beats if playing else None)
        if not self.playback.playing:
            view.set_highlight(None)

    def play(self, state: ChainState | None, first: int = 0, last: int | None = None) -> None:
        """Play blocks ``first``..``last - 1`` of ``state`` (default: the whole chain)."""
        if state is None:
            return
        self._ensure_listed()
        if self.output.count() == 0:
            self._nothing_to_play()
            return
        last = len(state.spans) if last is None else last
        start, end = state.spans[first][0], state.spans[last - 1][1]
        request = state.chain.request
        loop = self.loop_box.isChecked()
        events, lead = outputs.span_events(
            state.notes, request.tempo, {"melody": request.melody_program,
                                         "chords": request.chord_program}, start, end,
            state.meter, 1 if self.count_in.isChecked() and not loop else 0,
            self.click.isChecked())
        seconds = 60.0 / request.tempo
        self._play_start = start
        self.playback.play(events, loop=loop, loop_length=(end - start) * seconds,
                           offset=start * seconds - lead)
        whole = (first, last) == (0, len(state.spans))
        self.panel.view.set_highlight(None if whole else (start, end))

    def toggle_play(self) -> None:
        """Space bar: play the chain, or stop if playing."""
        if self.playback.playing:
            self.playback.stop()
        else:
            self.play(self.panel.state)

    def refresh_outputs(self) -> list[str]:
        """List the outputs again, keeping the current choice if it is still there.

        Returns the reasons some outputs are missing (for the status bar).
        """
        return self._fill(*outputs.list_outputs())

    def _fill(self, found: list[outputs.Output], problems: list[str]) -> list[str]:
        """Show ``found`` in the menu, keeping the current choice; return ``problems``."""
        self._listed = True
        self._problems = list(problems)
        current = self.output.currentData()
        self.output.blockSignals(True)
        self.output.clear()
        for output in found:
            self.output.addItem(output.label, output)
        if current in found:
            self.output.setCurrentIndex(found.index(current))
        self.output.blockSignals(False)
        return problems

    def chosen(self) -> outputs.Output | None:
        """The output picked in the menu."""
        self._ensure_listed()
        return self.output.currentData()

    def _ensure_listed(self) -> None:
        """List the outputs now if the background listing has not filled the menu yet."""
        if not self._listed:
            self.refresh()

    def select(self, kind: str) -> bool:
        """Pick the first output of ``kind`` (synth, virtual, port); False if there is none."""
        self._ensure_listed()
        for index in range(self.output.count()):
            if self.output.itemData(index).kind == kind:
                self.output.setCurrentIndex(index)
                return True
        return False
