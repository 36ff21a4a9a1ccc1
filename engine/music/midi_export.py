"""Render segment features back to notes and write Type-1 MIDI files.

A chain of segments is a (T, 29) feature matrix. The melody is read back from articulation,
octave and pitch class (a segment that opens on a held note of another pitch than the one
sounding strikes it at the boundary; the same pitch is tied over, as in the tune it came from);
chords become close root-position voicings, held while the chord class stays the same. Output is
transposed from C to the requested key, with the true key and time signature.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from engine.atomic import atomic_path
from engine.music.chords import chord_pitches
from engine.music.transpose import key_signature_name, shift_from_c

if TYPE_CHECKING:
    import numpy as np

MELODY_VELOCITY = 96
CHORD_VELOCITY = 64


@dataclass(frozen=True)
class RenderedNote:
    """The one note type from chain to piano roll to playback and MIDI.

    Start and end in beats (quarter notes) from the chain's start, MIDI pitch and velocity, and
    its part (``"melody"`` or ``"chords"``).
    """

    start_beats: float
    end_beats: float
    pitch: int
    velocity: int
    track: str


def render(features: np.ndarray, vocab: list[str], key: str = "C",
           segment_steps: int | None = None) -> list[RenderedNote]:
    """Turn a (T, 29) feature matrix into melody and chord notes in ``key``."""
    import numpy as np  # here, not at import: the window opens before numpy loads

    from engine.music.segments import ARTIC, CHORD0, LOWEST_OCTAVE, N_CHORDS, OCT0, PC0

    shift = shift_from_c(key)
    notes: list[RenderedNote] = []
    total = len(features)
    sounding = features[:, PC0:CHORD0].any(1)
    pitch = (features[:, OCT0:PC0].argmax(1) + LOWEST_OCTAVE) * 12 + features[:, PC0:CHORD0].argmax(1)
    start = None
    for step in range(total + 1):
        # a held note that changes pitch (at a segment boundary) is struck; the same pitch is tied
        new = step == total or not sounding[step] or features[step, ARTIC] or (
            start is not None and pitch[step] != pitch[start])
        if start is not None and new:
            notes.append(_note(start, step, int(pitch[start]) + shift, MELODY_VELOCITY, "melody"))
            start = None
        if step < total and sounding[step] and start is None:
            start = step
    chord_ids = np.where(features[:, CHORD0:CHORD0 + N_CHORDS].any(1),
                         features[:, CHORD0:CHORD0 + N_CHORDS].argmax(1), -1)
    start = None
    for step in range(total + 1):
        if start is not None and (step == total or chord_ids[step] != chord_ids[start]):
            for p in chord_pitches(vocab[chord_ids[start]]):
                notes.append(_note(start, step, p + shift, CHORD_VELOCITY, "chords"))
            start = None
        if step < total and chord_ids[step] >= 0 and start is None:
            start = step
    return sorted(notes, key=lambda n: (n.start_beats, n.track, n.pitch))


def _note(start: int, end: int, pitch: int, velocity: int, track: str) -> RenderedNote:
    """Build a note from step indices."""
    from engine.music.segments import STEPS_PER_BEAT

    return RenderedNote(start / STEPS_PER_BEAT, end / STEPS_PER_BEAT, pitch, velocity, track)


def to_pretty_midi(notes: list[RenderedNote], key: str = "C", tempo: float = 120.0,
                   melody_program: int = 73, chord_program: int = 0, text: str = "",
                   meter: tuple[int, int] = (4, 4)):
    """Build a Type-1 PrettyMIDI: melody and chord tracks, tempo, the true key signature (``Dm``
    → D minor) and time signature (``meter``, e.g. ``(6, 8)``)."""
    import pretty_midi

    midi = pretty_midi.PrettyMIDI(initial_tempo=float(tempo))
    seconds = 60.0 / float(tempo)
    parts = {
        "melody": pretty_midi.Instrument(program=int(melody_program), name="Melody"),
        "chords": pretty_midi.Instrument(program=int(chord_program), name="Chords"),
    }
    for note in notes:
        parts[note.track].notes.append(pretty_midi.Note(
            velocity=note.velocity, pitch=note.pitch,
            start=note.start_beats * seconds, end=note.end_beats * seconds))
    midi.instruments.extend(parts.values())
    key_number = pretty_midi.key_name_to_key_number(key_signature_name(key))
    midi.key_signature_changes.append(pretty_midi.KeySignature(key_number, 0.0))
    midi.time_signature_changes.append(pretty_midi.TimeSignature(int(meter[0]), int(meter[1]), 0.0))
    if text:
        midi.text_events.append(pretty_midi.Text(midi_text(text), 0.0))
    return midi


def midi_text(text: str) -> str:
    """Text for a MIDI meta event, stored as UTF-8 bytes (``Café — 東京`` survives).

    mido writes meta text as Latin-1, which cannot hold most names; passing the UTF-8 bytes as
    Latin-1 characters writes exactly those bytes. Readers decode them with ``.decode("utf-8")``.
    """
    return text.encode("utf-8", "backslashreplace").decode("latin-1")


def write_pretty_midi(midi, path: str | Path) -> Path:
    """Write a PrettyMIDI to ``path`` atomically and return the path."""
    path = Path(path)
    with atomic_path(path) as tmp:
        midi.write(str(tmp))
    return path
