"""The one entry point for playback outputs: list them, open one, play events, stop, close.

Both the Composer panel and ``segue play`` go through here, so they play the same way:

* the internal synth (tinysoundfont → sounddevice) is scheduled in-process by a
  :class:`~engine.playback.scheduler.Scheduler` (audio is buffered anyway);
* a MIDI port, or the virtual port "Segue", is played by the child-process
  :class:`~engine.playback.player_process.PlayerProcess`, so the engine's Python work cannot
  delay note sends.

Every opened output is a :class:`Player`: ``play(events, loop=…, loop_length=…)``, ``stop()``,
``panic()``, ``wait()``, ``playing``, ``position()``, ``error``, ``name`` and ``close()``.
:func:`with_click` adds a count-in and a metronome click (General MIDI percussion).

Without a device nothing raises past here: :func:`list_outputs` lists only what can open (the
virtual port only when a MIDI backend works) and says why the rest is missing;
:func:`open_with_fallback` opens the chosen output or, when it cannot, the synth rendered ahead
through any audio device (:class:`~engine.playback.audio_out.RenderedPlayer`), else returns the
reason, with :data:`START_HINT` saying how to start a backend (the traceback goes to the log).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from engine.logsetup import get_logger
from engine.playback.events import (
    DRUM_CHANNEL,
    Event,
    events_from_notes,
    note_off,
    note_on,
    sort_events,
)

if TYPE_CHECKING:  # pragma: no cover
    from engine.music.midi_export import RenderedNote

log = get_logger(__name__)

SYNTH = "synth"
VIRTUAL = "virtual"
PORT = "port"
CLICK_HIGH = 76  # GM Hi Wood Block: the first beat of a bar
CLICK_LOW = 77  # GM Low Wood Block: the other beats
CLICK_SECONDS = 0.05
START_HINT = ("start JACK (jackd -d alsa, or QjackCtl) or load the ALSA sequencer "
              "(sudo modprobe snd-seq)")


class OutputError(RuntimeError):
    """An output cannot be opened; the message is meant for the user as is."""


@dataclass(frozen=True)
class Output:
    """One place to play: ``kind`` is synth, virtual or port; ``name`` the port's name."""

    kind: str
    name: str = ""

    @property
    def label(self) -> str:
        """What a menu shows for it."""
        if self.kind == SYNTH:
            return "Internal synth (audio)"
        if self.kind == VIRTUAL:
            return 'MIDI: virtual port "Segue"'
        return f"MIDI: {self.name}"


class Player(Protocol):
    """What an opened output offers (a Scheduler over the synth, or the MIDI player process)."""

    name: str
    error: str

    def play(self, events: Sequence[Event], *, loop: bool = False,
             loop_length: float | None = None, start_delay: float = 0.05) -> None:
        """Start playing ``events``."""

    def stop(self) -> None:
        """Stop; every sounding note gets its note-off."""

    def panic(self) -> None:
        """Stop and send all-notes-off on every channel."""

    def wait(self, timeout: float | None = None) -> bool:
        """Block until playback ends (or ``timeout``); True if it has ended."""

    @property
    def playing(self) -> bool:
        """Tell whether it is playing."""

    def position(self) -> float:
        """Seconds into the events."""

    def close(self) -> None:
        """Release the device (idempotent)."""


def list_outputs() -> tuple[list[Output], list[str]]:
    """Every output one can play through now, plus the reasons some are missing.

    The virtual port "Segue" is listed only when a MIDI backend works (it needs one to exist);
    otherwise the problem names every backend tried and why it failed.
    """
    from engine.playback import audio_devices, ports

    outputs: list[Output] = []
    problems: list[str] = []
    audio, audio_problem = audio_devices.list_outputs()
    if audio:
        outputs.append(Output(SYNTH))
    else:
        problems.append(f"internal synth unavailable: {audio_problem or 'no audio device'}")
    if not ports.available():
        problems.append("no MIDI backend (python-rtmidi is not installed)")
        return outputs, problems
    backend_problem = midi_backend_problem()
    if backend_problem:
        problems.append(backend_problem)
        return outputs, problems
    outputs.append(Output(VIRTUAL))
    midi, midi_problem = ports.list_outputs()
    outputs += [Output(PORT, name) for name in midi]
    if not midi:
        problems.append("no MIDI output ports" + (f" ({midi_problem})" if midi_problem else ""))
    return outputs, problems


def midi_backend_problem() -> str:
    """Why no MIDI backend can make a client now ("" when one can): what the virtual port needs.

    Opens and frees one rtmidi client through the port hub, exactly as the virtual port would.
    """
    from engine.playback import ports

    try:
        client = ports._first_working("out", f"{ports.CLIENT_NAME}-probe")  # the virtual port's way
    except ports.PortError as exc:
        return str(exc)
    client.delete()
    return ""


def choose(port: str | None = None, virtual: bool = False) -> Output:
    """The output named by ``segue play``'s flags (the synth when none is given)."""
    if port:
        return Output(PORT, port)
    return Output(VIRTUAL) if virtual else Output(SYNTH)


class SynthPlayer:
    """The internal synth with its in-process scheduler, as one :class:`Player`."""

    def __init__(self, soundfont: str | Path | None = None) -> None:
        from engine.playback.audio_out import SynthOutput
        from engine.playback.scheduler import Scheduler

        self._sink = SynthOutput(soundfont=soundfont)
        self._scheduler = Scheduler(self._sink)
        self.name = self._sink.name

    @property
    def error(self) -> str:
        """Why playback stopped early ("" if it did not)."""
        return self._scheduler.error

    def play(self, events: Sequence[Event], *, loop: bool = False,
             loop_length: float | None = None, start_delay: float = 0.05) -> None:
        """Start playing ``events`` (see ``Scheduler.play``)."""
        self._scheduler.play(events, loop=loop, loop_length=loop_length, start_delay=start_delay)

    def stop(self) -> None:
        """Stop; every sounding note gets its note-off."""
        self._scheduler.stop()

    def panic(self) -> None:
        """Stop and send all-notes-off on every channel."""
        self._scheduler.panic()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until playback ends (or ``timeout``)."""
        return self._scheduler.wait(timeout)

    @property
    def playing(self) -> bool:
        """Tell whether it is playing."""
        return self._scheduler.playing

    def position(self) -> float:
        """Seconds into the events."""
        return self._scheduler.position()

    def close(self) -> None:
        """Stop and close the audio device."""
        self._scheduler.stop()
        self._sink.close()


def open_output(output: Output, soundfont: str | Path | None = None) -> Player:
    """Open ``output``; raises :class:`OutputError` saying why it cannot be opened."""
    from engine.playback import ports
    from engine.playback.audio_out import AudioError
    from engine.playback.player_process import PlayerError, PlayerProcess

    try:
        if output.kind == SYNTH:
            return SynthPlayer(soundfont)
        if output.kind not in (VIRTUAL, PORT):
            raise OutputError(f"unknown output kind {output.kind!r}")
        return PlayerProcess(port=output.name or None if output.kind == PORT else None,
                             virtual=ports.VIRTUAL_PORT_NAME)
    except (AudioError, PlayerError, ports.PortError) as exc:
        raise OutputError(str(exc)) from exc


def open_fallback(soundfont: str | Path | None = None) -> Player:
    """Open the synth rendered ahead through the default audio device (the fallback player);
    raises :class:`OutputError` saying why it cannot."""
    from engine.playback.audio_out import AudioError, RenderedPlayer

    try:
        return RenderedPlayer(soundfont=soundfont)
    except AudioError as exc:
        raise OutputError(str(exc)) from exc


@dataclass(frozen=True)
class Opened:
    """What :func:`open_with_fallback` got: a player (or None), why the chosen output did not
    open ("" when it did), and whether the player is the fallback synth."""

    player: Player | None
    problem: str = ""
    fallback: bool = False


def open_with_fallback(output: Output, soundfont: str | Path | None = None) -> Opened:
    """Open ``output``; when it cannot open, the synth rendered through any audio device instead.

    Never raises for a missing device or backend: the reasons come back in ``problem`` (naming
    the output and each backend tried) and the traceback goes to the log file only.
    """
    from engine.playback import audio_devices

    try:
        return Opened(open_output(output, soundfont))
    except OutputError as exc:
        log.info("cannot open %s", output.label, exc_info=True)
        problem = f"{output.label} cannot open: {exc}"
    if output.kind == SYNTH:
        return Opened(None, problem)  # the fallback would try the same device the same way
    devices, why = audio_devices.list_outputs()
    if not devices:
        return Opened(None, f"{problem}; no audio device for the internal synth either "
                            f"({why or 'none found'})")
    try:
        return Opened(open_fallback(soundfont), problem, fallback=True)
    except OutputError as exc:
        log.info("cannot open the fallback synth", exc_info=True)
        return Opened(None, f"{problem}; the internal synth cannot play either: {exc}")


def with_click(events: Sequence[Event], tempo: float, meter: tuple[int, int] = (4, 4),
               count_in_bars: int = 0, click: bool = False, length_beats: float | None = None
               ) -> tuple[list[Event], float]:
    """Add ``count_in_bars`` bars of click before ``events`` and, with ``click``, a click
    on every beat while they play. Returns the events and the count-in's length in seconds.

    Beats are quarter notes for x/2 and x/4 metres; in compound metres (6/8, 9/8, 12/8) the
    click falls on each dotted quarter. The first beat of a bar clicks higher.
    """
    seconds = 60.0 / float(tempo)
    top, bottom = meter
    bar_beats = top * 4.0 / bottom
    step = 1.5 if bottom == 8 and top % 3 == 0 and top > 3 else 4.0 / bottom
    lead = count_in_bars * bar_beats
    shifted = [Event(e.time + lead * seconds, e.message) for e in events] if lead else list(events)
    if length_beats is None:
        length_beats = max((e.time for e in events), default=0.0) / seconds
    end = lead + (length_beats if click else 0.0)
    clicks: list[Event] = []
    beat = 0.0
    while beat < end - 1e-9:
        downbeat = abs(beat % bar_beats) < 1e-9 or abs(beat % bar_beats - bar_beats) < 1e-9
        pitch = CLICK_HIGH if downbeat else CLICK_LOW
        clicks.append(note_on(beat * seconds, DRUM_CHANNEL, pitch, 110 if downbeat else 80))
        clicks.append(note_off(beat * seconds + CLICK_SECONDS, DRUM_CHANNEL, pitch))
        beat += step
    return sort_events(shifted + clicks), lead * seconds


def span_events(notes: Sequence[RenderedNote], tempo: float, programs: dict[str, int],
                start: float, end: float, meter: tuple[int, int] = (4, 4),
                count_in_bars: int = 0, click: bool = False) -> tuple[list[Event], float]:
    """Events of the notes that start in ``[start, end)`` beats (cut at ``end``), played from
    ``start``, with an optional count-in and click; returns them and the count-in in seconds."""
    import dataclasses

    notes = [dataclasses.replace(n, end_beats=min(n.end_beats, end))
             for n in notes if start <= n.start_beats < end]
    events = events_from_notes(notes, tempo, programs, start_beats=start)
    return with_click(events, tempo, meter, count_in_bars, click, end - start)
