"""Events: ordering at equal times and conversion from MIDI files and beat-timed notes."""

from __future__ import annotations

from dataclasses import dataclass

from engine.playback.events import (
    NOTE_OFF,
    NOTE_ON,
    PROGRAM_CHANGE,
    events_from_midi,
    events_from_notes,
    note_off,
    note_on,
    sort_events,
)
from tests.engine.playback.conftest import make_midi


@dataclass
class Note:
    start_beats: float
    end_beats: float
    pitch: int
    velocity: int
    track: str


def test_note_off_sorts_before_note_on_at_the_same_time() -> None:
    events = sort_events([note_on(1.0, 0, 60, 90), note_off(1.0, 0, 60), note_on(0.0, 0, 60, 90)])
    assert [e.status for e in events] == [NOTE_ON, NOTE_OFF, NOTE_ON]


def test_events_from_midi_keeps_every_note_and_program(midi_file) -> None:
    events = events_from_midi(midi_file)
    assert events[0].status == PROGRAM_CHANGE
    ons = [e for e in events if e.status == NOTE_ON]
    offs = [e for e in events if e.status == NOTE_OFF]
    assert [e.message[1] for e in ons] == list(range(60, 68))
    assert len(offs) == 8
    assert abs(ons[3].time - 0.15) < 1e-6


def test_events_from_midi_accepts_pretty_midi_objects() -> None:
    assert len(events_from_midi(make_midi(notes=3))) == 1 + 3 * 2


def test_events_from_notes_converts_beats_and_assigns_channels() -> None:
    notes = [Note(0, 1, 60, 80, "melody"), Note(0, 4, 48, 70, "chords"), Note(2, 3, 62, 80, "melody")]
    events = events_from_notes(notes, tempo=120, programs={"melody": 73, "chords": 0})
    programs = {e.channel: e.message[1] for e in events if e.status == PROGRAM_CHANGE}
    assert programs == {0: 73, 1: 0}
    on62 = next(e for e in events if e.status == NOTE_ON and e.message[1] == 62)
    assert on62.time == 1.0 and on62.channel == 0  # beat 2 at 120 BPM
    assert max(e.time for e in events) == 2.0  # the chord ends at beat 4


def test_events_from_notes_shifts_by_start_beats() -> None:
    events = events_from_notes([Note(8, 9, 60, 80, "melody")], tempo=60, start_beats=8)
    on = next(e for e in events if e.status == NOTE_ON)
    assert on.time == 0.0
