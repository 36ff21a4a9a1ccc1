"""The Composer's playback: choose an output, play / stop / loop events, follow the playhead.

Outputs: the internal synth (tinysoundfont → sounddevice, scheduled in-process: audio is
buffered anyway), the virtual MIDI port "Segue", or a hardware/software MIDI port (both played
by the player process, so the engine's work cannot delay MIDI sends). Opening an output runs on
the runner's "playback" lane; problems (no backend, no device, unplayable SoundFont) come back
as ``message`` text for the status bar and never touch the chain.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from app.jobs import JobRunner
from engine.playback import audio_devices, ports
from engine.playback.events import Event

SYNTH = "synth"
VIRTUAL = "virtual"


def open_output(kind: str, name: str, progress: Any, cancelled: Any) -> Any:
    """Open an output on the playback lane: ``(sink, scheduler)`` sharing the scheduler API."""
    if kind == SYNTH:
        from engine.playback.audio_out import SynthOutput
        from engine.playback.scheduler import Scheduler

        sink = SynthOutput()
        return sink, Scheduler(sink)
    from engine.playback.player_process import PlayerProcess

    player = PlayerProcess(port=name or None, virtual=ports.VIRTUAL_PORT_NAME)
    return player, player


def available_outputs() -> tuple[list[tuple[str, str, str]], list[str]]:
    """``(label, kind, name)`` for every output, plus the reasons some are missing."""
    outputs: list[tuple[str, str, str]] = []
    problems: list[str] = []
    audio, audio_problem = audio_devices.list_outputs()
    if audio:
        outputs.append(("Internal synth (audio)", SYNTH, ""))
    else:
        problems.append(f"internal synth unavailable: {audio_problem or 'no audio device'}")
    if ports.available():
        outputs.append(('MIDI: virtual port "Segue"', VIRTUAL, ""))
        midi, midi_problem = ports.list_outputs()
        outputs += [(f"MIDI: {name}", "port", name) for name in midi]
        if not midi:
            problems.append("no MIDI output ports" + (f" ({midi_problem})" if midi_problem else ""))
    else:
        problems.append("no MIDI backend (python-rtmidi is not installed)")
    return outputs, problems


class PlaybackController(QObject):
    """Owns the open output and its scheduler; emits ``playhead(seconds or -1)`` and messages."""

    playhead = Signal(float)
    message = Signal(str)
    playing_changed = Signal(bool)

    def __init__(self, runner: JobRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.choice: tuple[str, str] = (SYNTH, "")
        self._sink: Any = None
        self._scheduler: Any = None
        self._opened: tuple[str, str] | None = None
        self._pending: tuple[list[Event], bool, float, float] | None = None
        self._offset = 0.0
        self._was_playing = False
        self._opening = False
        self._closed = False
        self._timer = QTimer(self)
        self._timer.setInterval(33)
        self._timer.timeout.connect(self._tick)

    @property
    def playing(self) -> bool:
        """Tell whether something is playing (or about to)."""
        return self._pending is not None or (self._scheduler is not None
                                             and self._scheduler.playing)

    @property
    def opening(self) -> bool:
        """Tell whether an output is being opened on the playback lane."""
        return self._opening

    def choose(self, kind: str, name: str = "") -> None:
        """Select the output to use from the next Play on."""
        if (kind, name) != self.choice:
            self.stop()
            self.choice = (kind, name)

    def play(self, events: Sequence[Event], loop: bool = False, loop_length: float = 0.0,
             offset: float = 0.0) -> None:
        """Play ``events``; the playhead reports ``offset + position`` seconds."""
        self.stop()
        self._pending = (list(events), loop, loop_length, offset)
        if self._opened == self.choice and self._scheduler is not None:
            self._start_pending()
            return
        self.open()
        self.playing_changed.emit(True)

    def open(self) -> None:
        """Open the chosen output now (e.g. so a DAW can connect to "Segue" before Play)."""
        if self._opening or (self._opened == self.choice and self._scheduler is not None):
            return  # already open, or being opened (it will play the latest request)
        self._close_output()
        self._opening = True
        job = self.runner.prepare(open_output, *self.choice, title="Opening audio/MIDI output")
        job.result.connect(lambda value, choice=self.choice: self._on_opened(value, choice))
        job.error.connect(self._on_open_failed)
        self.runner.start(job, lane="playback")

    def _on_opened(self, value: Any, choice: tuple[str, str]) -> None:
        self._opening = False
        sink, scheduler = value
        if self._closed or choice != self.choice:
            sink.close()  # the panel closed, or the user picked another output meanwhile
            if not self._closed:
                if self._pending is not None:
                    self.play(*self._pending)
                else:
                    self.open()
            return
        self._sink, self._scheduler = sink, scheduler
        self._opened = choice
        verb = "Playing through" if self._pending is not None else "Ready to play through"
        self.message.emit(f"{verb} {self._sink.name}.")
        self._start_pending()

    def _on_open_failed(self, text: str, details: str) -> None:
        self._opening = False
        if self._pending is None:
            self.message.emit(f"Cannot open the output: {text}")
            return
        self._pending = None
        self.message.emit(f"Cannot play: {text}")
        self.playing_changed.emit(False)
        self.playhead.emit(-1.0)

    def _start_pending(self) -> None:
        if self._pending is None or self._scheduler is None:
            return
        events, loop, loop_length, offset = self._pending
        self._pending = None
        self._offset = offset
        self._scheduler.play(events, loop=loop, loop_length=loop_length or None)
        self._was_playing = True
        self._timer.start()
        self.playing_changed.emit(True)

    def _tick(self) -> None:
        if self._scheduler is None:
            return
        if self._scheduler.playing:
            self.playhead.emit(self._offset + self._scheduler.position())
            return
        self._timer.stop()
        self.playhead.emit(-1.0)
        if self._scheduler.error:
            self.message.emit(f"Playback stopped: {self._scheduler.error}")
            self._close_output()  # the port vanished: reopen on the next Play
        if self._was_playing:
            self._was_playing = False
            self.playing_changed.emit(False)

    def stop(self) -> None:
        """Stop playing; every sounding note gets its note-off."""
        self._pending = None
        if self._scheduler is not None:
            self._scheduler.stop()
        self._timer.stop()
        self.playhead.emit(-1.0)
        if self._was_playing:
            self._was_playing = False
            self.playing_changed.emit(False)

    def panic(self) -> None:
        """Stop and send all-notes-off on every channel."""
        self._pending = None
        if self._scheduler is not None:
            self._scheduler.panic()
        self.stop()
        self.message.emit("All notes off.")

    def _close_output(self) -> None:
        sink, self._sink, self._scheduler, self._opened = self._sink, None, None, None
        if sink is not None:
            sink.close()

    def shutdown(self) -> None:
        """Stop and close the output (the panel is closing)."""
        self._closed = True
        self.stop()
        self._close_output()
