"""Timed raw MIDI events: what the scheduler sends and the synth renders.

An :class:`Event` is a time in seconds from the start plus the raw MIDI bytes. Anything playable
(a MIDI file, a ``pretty_midi.PrettyMIDI``, a list of notes with beat times) becomes a sorted list
of events here, so the scheduler, the synth and the tests all speak the same language.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine import safe_io

if TYPE_CHECKING:  # pragma: no cover
    from engine.music.midi_export import RenderedNote

NOTE_OFF = 0x80
NOTE_ON = 0x90
CONTROL_CHANGE = 0xB0
PROGRAM_CHANGE = 0xC0
PITCH_BEND = 0xE0
DRUM_CHANNEL = 9

# Sort rank at equal times: program/controls first, then note-offs, then note-ons, so a
# re-struck note is released before it sounds again.
_RANK = {PROGRAM_CHANGE: 0, CONTROL_CHANGE: 1, PITCH_BEND: 1, NOTE_OFF: 2, NOTE_ON: 3}


class MidiLoadError(ValueError):
    """A MIDI file that cannot be read; the message names the file."""


@dataclass(frozen=True, slots=True)
class Event:
    """One raw MIDI message (``message``) due ``time`` seconds after playback starts."""

    time: float
    message: tuple[int, ...]

    @property
    def status(self) -> int:
        """The message kind without its channel (e.g. ``0x90``)."""
        kind = self.message[0] & 0xF0
        if kind == NOTE_ON and self.message[2] == 0:
            return NOTE_OFF
        return kind

    @property
    def channel(self) -> int:
        """The MIDI channel, 0..15."""
        return self.message[0] & 0x0F


def sort_events(events: Iterable[Event]) -> list[Event]:
    """Sort events by time, then controls before note-offs before note-ons."""
    return sorted(events, key=lambda e: (e.time, _RANK.get(e.status, 1)))


def note_on(time: float, channel: int, pitch: int, velocity: int) -> Event:
    """A note-on event (velocity clamped to 1..127 so it never reads as a note-off)."""
    return Event(time, (NOTE_ON | channel, pitch & 0x7F, max(1, min(127, int(velocity)))))


def note_off(time: float, channel: int, pitch: int) -> Event:
    """A note-off event."""
    return Event(time, (NOTE_OFF | channel, pitch & 0x7F, 0))


def program_change(time: float, channel: int, program: int) -> Event:
    """A program change (General MIDI program 0..127)."""
    return Event(time, (PROGRAM_CHANGE | channel, program & 0x7F))


def all_notes_off(channel: int) -> list[Event]:
    """The panic messages for one channel: sustain off, all sound off, all notes off."""
    status = CONTROL_CHANGE | channel
    return [Event(0.0, (status, 64, 0)), Event(0.0, (status, 120, 0)), Event(0.0, (status, 123, 0))]


def events_from_midi(midi: str | Path | Any) -> list[Event]:
    """Turn a MIDI file path or a ``pretty_midi.PrettyMIDI`` into sorted events.

    Each instrument gets its own channel (drums on channel 10); program changes, control changes
    and pitch bends are kept. Raises :class:`MidiLoadError` naming the file if it cannot be read.
    """
    import pretty_midi

    if isinstance(midi, (str, Path)):
        path = Path(midi)
        safe_io.check_input_file(path, "MIDI", safe_io.MAX_MIDI_BYTES, MidiLoadError)
        try:
            midi = pretty_midi.PrettyMIDI(str(path))
        except FileNotFoundError as exc:
            raise MidiLoadError(f"MIDI file not found: {path}") from exc
        except Exception as exc:  # noqa: BLE001 - mido/pretty_midi raise many kinds on bad data
            raise MidiLoadError(f"cannot read MIDI file {path}: {str(exc) or type(exc).__name__}") from exc
    events: list[Event] = []
    free = [c for c in range(16) if c != DRUM_CHANNEL]
    for instrument in midi.instruments:
        if instrument.is_drum:
            channel = DRUM_CHANNEL
        elif free:
            channel = free.pop(0)
        else:
            channel = 15  # more than 15 melodic instruments: share the last channel
        events.append(program_change(0.0, channel, instrument.program))
        for cc in instrument.control_changes:
            events.append(Event(float(cc.time), (CONTROL_CHANGE | channel, cc.number & 0x7F,
                                                  cc.value & 0x7F)))
        for bend in instrument.pitch_bends:
            value = max(0, min(16383, int(bend.pitch) + 8192))
            events.append(Event(float(bend.time), (PITCH_BEND | channel, value & 0x7F, value >> 7)))
        for note in instrument.notes:
            events.append(note_on(float(note.start), channel, note.pitch, note.velocity))
            events.append(note_off(float(note.end), channel, note.pitch))
    return sort_events(events)


def events_from_notes(
    notes: Iterable[RenderedNote],
    tempo: float,
    programs: dict[str, int] | None = None,
    start_beats: float = 0.0,
) -> list[Event]:
    """Turn notes timed in beats (with a ``track`` name) into sorted events at ``tempo`` BPM.

    Tracks get channels in order of first appearance; ``programs`` maps a track name to its
    General MIDI program. Notes are shifted so ``start_beats`` plays at time 0.
    """
    seconds_per_beat = 60.0 / float(tempo)
    channels: dict[str, int] = {}
    events: list[Event] = []
    for note in notes:
        if note.track not in channels:
            channel = len(channels) if len(channels) < DRUM_CHANNEL else len(channels) + 1
            channels[note.track] = min(channel, 15)
            program = (programs or {}).get(note.track, 0)
            events.append(program_change(0.0, channels[note.track], program))
        channel = channels[note.track]
        start = max(0.0, (note.start_beats - start_beats) * seconds_per_beat)
        end = max(start, (note.end_beats - start_beats) * seconds_per_beat)
        events.append(note_on(start, channel, note.pitch, note.velocity))
        events.append(note_off(end, channel, note.pitch))
    return sort_events(events)


def duration(events: Sequence[Event]) -> float:
    """Seconds from the start to the last event."""
    return max((e.time for e in events), default=0.0)
