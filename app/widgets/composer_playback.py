"""The Composer's playback: choose an output, play / stop / loop events, follow the playhead.

Outputs come from :mod:`engine.playback.outputs`, the same entry point ``segue play`` uses:
the internal synth is scheduled in-process, MIDI ports (and the virtual port "Segue") are
played by the child-process player, so the engine's work cannot delay MIDI sends. Opening an
output runs on the runner's "playback" lane through :func:`outputs.open_with_fallback`, which
never raises for a missing device: when the chosen output cannot open, the synth rendered
through any audio device plays instead, and ``unavailable(problem, fallback)`` says so once (the
transport shows it inline, never in a dialog; the traceback is in the log). Problems never touch
the chain.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from app.jobs import JobRunner
from engine.playback import outputs
from engine.playback.events import Event


def open_output(output: outputs.Output, progress: Any, cancelled: Any) -> outputs.Opened:
    """Open ``output`` (or the fallback synth) on the playback lane; never raises for a missing
    device (the runner passes progress/cancelled)."""
    return outputs.open_with_fallback(output)


class PlaybackController(QObject):
    """Owns the open output; emits ``playhead(seconds, or -1 when stopped)`` and messages.

    The playhead counts from ``offset`` (seconds of the chain) at the first event, so a
    count-in reports times before the played span.
    """

    playhead = Signal(float)
    message = Signal(str)
    playing_changed = Signal(bool)
    unavailable = Signal(str, bool)  # why the chosen output cannot open; True: the fallback plays
    available = Signal()  # the chosen output opened

    def __init__(self, runner: JobRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.choice = outputs.Output(outputs.SYNTH)
        self._player: outputs.Player | None = None
        self._opened: outputs.Output | None = None
        self._pending: tuple[list[Event], bool, float, float] | None = None
        self._offset = 0.0
        self._was_playing = False
        self._opening = False
        self._closed = False
        self.problem = ""  # the last reason an output could not open ("" once one opens)
        self._fell_back: bool | None = None  # what the last problem led to (None: no problem)
        self._timer = QTimer(self)
        self._timer.setInterval(33)
        self._timer.timeout.connect(self._tick)

    @property
    def playing(self) -> bool:
        """Tell whether something is playing (or about to)."""
        return self._pending is not None or (self._player is not None and self._player.playing)

    @property
    def output(self) -> outputs.Player | None:
        """The open output (a :class:`~engine.playback.outputs.Player`), or None."""
        return self._player

    @property
    def opening(self) -> bool:
        """Tell whether an output is being opened on the playback lane."""
        return self._opening

    def choose(self, output: outputs.Output) -> None:
        """Select the output to use from the next Play on."""
        if output != self.choice:
            self.stop()
            self.choice = output

    def play(self, events: Sequence[Event], loop: bool = False, loop_length: float = 0.0,
             offset: float = 0.0) -> None:
        """Play ``events``; the playhead reports ``offset + position`` seconds."""
        self.stop()
        self._pending = (list(events), loop, loop_length, offset)
        if self._opened == self.choice and self._player is not None:
            self._start_pending()
            return
        self.open()
        self.playing_changed.emit(True)

    def open(self) -> None:
        """Open the chosen output now (e.g. so a DAW can connect to "Segue" before Play)."""
        if self._opening or (self._opened == self.choice and self._player is not None):
            return  # already open, or being opened (it will play the latest request)
        self._close_output()
        self._opening = True
        job = self.runner.prepare(open_output, self.choice, title="Opening audio/MIDI output")
        job.result.connect(lambda value, choice=self.choice: self._on_opened(value, choice))
        job.error.connect(lambda text, _details: self._on_open_failed(text, False))
        self.runner.start(job, lane="playback")

    def _on_opened(self, opened: outputs.Opened, choice: outputs.Output) -> None:
        self._opening = False
        player = opened.player
        if self._closed or choice != self.choice:
            if player is not None:
                player.close()  # the panel closed, or the user picked another output meanwhile
            if not self._closed:
                if self._pending is not None:
                    self.play(*self._pending)
                else:
                    self.open()
            return
        if player is None:
            self._on_open_failed(opened.problem, True)
            return
        self._player = player
        self._opened = choice
        if opened.fallback:
            self._report(opened.problem, True)
        else:
            self.problem, self._fell_back = "", None
            self.available.emit()
            verb = "Playing through" if self._pending is not None else "Ready to play through"
            self.message.emit(f"{verb} {player.name}.")
        self._start_pending()

    def _on_open_failed(self, text: str, expected: bool) -> None:
        """No output opened: say why (once); ``expected`` is False for an unforeseen error."""
        self._opening = False
        self._report(text if expected else f"cannot open the output: {text}", False)
        if self._pending is not None:
            self._pending = None
            self.playing_changed.emit(False)
            self.playhead.emit(-1.0)

    def _report(self, problem: str, fallback: bool) -> None:
        """Tell the transport why the chosen output cannot open, once per distinct problem."""
        if (problem, fallback) == (self.problem, self._fell_back):
            return
        self.problem, self._fell_back = problem, fallback
        self.unavailable.emit(problem, fallback)

    def _start_pending(self) -> None:
        if self._pending is None or self._player is None:
            return
        events, loop, loop_length, offset = self._pending
        self._pending = None
        self._offset = offset
        self._player.play(events, loop=loop, loop_length=loop_length or None)
        self._was_playing = True
        self._timer.start()
        self.playing_changed.emit(True)

    def _tick(self) -> None:
        if self._player is None:
            return
        if self._player.playing:
            self.playhead.emit(self._offset + self._player.position())
            return
        self._timer.stop()
        self.playhead.emit(-1.0)
        if self._player.error:
            self.message.emit(f"Playback stopped: {self._player.error}")
            self._close_output()  # the port vanished: reopen on the next Play
        if self._was_playing:
            self._was_playing = False
            self.playing_changed.emit(False)

    def stop(self) -> None:
        """Stop playing; every sounding note gets its note-off."""
        self._pending = None
        if self._player is not None:
            self._player.stop()
        self._timer.stop()
        self.playhead.emit(-1.0)
        if self._was_playing:
            self._was_playing = False
            self.playing_changed.emit(False)

    def panic(self) -> None:
        """Stop and send all-notes-off on every channel."""
        self._pending = None
        if self._player is not None:
            self._player.panic()
        self.stop()
        self.message.emit("All notes off.")

    def forget_problem(self) -> None:
        """Try the chosen output again at the next Play (↻: a device or server may be back)."""
        fell_back, self.problem, self._fell_back = self._fell_back, "", None
        if fell_back and self._player is not None and not self._player.playing:
            self._close_output()  # the fallback synth: open the chosen output again

    def _close_output(self) -> None:
        player, self._player, self._opened = self._player, None, None
        if player is not None:
            player.close()

    def shutdown(self) -> None:
        """Stop and close the output (the panel is closing)."""
        self._closed = True
        self.stop()
        self._close_output()
