"""Rendering features back to notes and the Type-1 MIDI export (round-trips through mido)."""

from __future__ import annotations

from pathlib import Path

import mido
import pretty_midi

from engine.music.midi_export import RenderedNote, render, to_pretty_midi, write_pretty_midi
from engine.music.segments import encode, to_grid
from engine.music.tune import Note, Tune

VOCAB = ["C", "G7", "F", "G", "Dm", "Am", "D7", "Bb", "C7", "D", "A7", "Em"]


def _features():
    tune = Tune("t", [Note(0, 1, 72), Note(1, 3, 76), Note(3, 4, 79), Note(4, 8, 72)],
                [Note(0, 4, p) for p in (48, 52, 55)] + [Note(4, 8, p) for p in (43, 47, 50, 53)])
    return encode(to_grid(tune), VOCAB)


def test_render_recovers_notes_and_transposes() -> None:
    notes = render(_features(), VOCAB, key="C")
    melody = [(n.start_beats, n.end_beats, n.pitch) for n in notes if n.track == "melody"]
    assert melody == [(0, 1, 72), (1, 3, 76), (3, 4, 79), (4, 8, 72)]
    chords = sorted((n.start_beats, n.pitch) for n in notes if n.track == "chords")
    assert chords[:3] == [(0, 48), (0, 52), (0, 55)] and len(chords) == 7
    up = render(_features(), VOCAB, key="D")
    assert [n.pitch for n in up] == [n.pitch + 2 for n in notes]


def test_held_note_restruck_at_segment_boundary() -> None:
    tune = Tune("t", [Note(0, 8, 72)])
    notes = render(encode(to_grid(tune), VOCAB), VOCAB)
    assert [(n.start_beats, n.end_beats) for n in notes] == [(0, 4), (4, 8)]


def test_midi_round_trip(tmp_path: Path) -> None:
    notes = render(_features(), VOCAB, key="A")
    midi = to_pretty_midi(notes, key="A", tempo=110, melody_program=73, chord_program=0,
                          text="provenance: test")
    path = write_pretty_midi(midi, tmp_path / "out.mid")
    raw = mido.MidiFile(str(path))
    assert raw.type == 1 and len(raw.tracks) == 3
    names = [m.name for t in raw.tracks for m in t if m.type == "track_name"]
    assert "Melody" in names and "Chords" in names
    metas = {m.type: m for t in raw.tracks for m in t if m.is_meta}
    assert round(mido.tempo2bpm(metas["set_tempo"].tempo)) == 110
    assert metas["key_signature"].key == "A"
    assert (metas["time_signature"].numerator, metas["time_signature"].denominator) == (4, 4)
    assert any(m.type == "text" and "provenance" in m.text for t in raw.tracks for m in t)
    back = pretty_midi.PrettyMIDI(str(path))
    melody = next(i for i in back.instruments if i.name == "Melody")
    assert melody.program == 73 and [n.pitch for n in melody.notes] == [69, 73, 76, 69]  # C -> A: down 3
    assert round(float(back.get_tempo_changes()[1][0]), 3) == 110


def test_one_note_type_from_render_to_playback_events() -> None:
    from engine.playback.events import events_from_notes

    notes = render(_features(), VOCAB, key="C")
    assert all(type(n) is RenderedNote for n in notes)
    melody = [n for n in notes if n.track == "melody"]
    events = events_from_notes(melody, tempo=60.0, programs={"melody": 73})
    ons = [(e.time, e.message[1]) for e in events if e.status == 0x90]
    offs = [(e.time, e.message[1]) for e in events if e.status == 0x80]
    assert ons == [(n.start_beats, n.pitch) for n in melody]  # 1 beat = 1 s at 60 BPM
    assert sorted(offs) == sorted((n.end_beats, n.pitch) for n in melody)


def test_meter_is_written(tmp_path: Path) -> None:
    midi = to_pretty_midi(render(_features(), VOCAB), meter=(6, 8))
    path = write_pretty_midi(midi, tmp_path / "six.mid")
    sig = next(m for t in mido.MidiFile(str(path)).tracks for m in t if m.type == "time_signature")
    assert (sig.numerator, sig.denominator) == (6, 8)
