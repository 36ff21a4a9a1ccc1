"""Build small MIDI files for the music and dshl tests."""

from __future__ import annotations

from pathlib import Path

import mido


def write_midi(path: Path, melody: list[tuple[float, float, int]],
               chords: list[tuple[float, float, list[int]]] = (), key: str = "C",
               meter: tuple[int, int] = (4, 4), tpb: int = 480) -> Path:
    """Write a two-track MIDI: melody (start, end, pitch) and block chords, in beats."""
    midi = mido.MidiFile(type=1, ticks_per_beat=tpb)
    for notes in (
        [(s, e, p) for s, e, p in melody],
        [(s, e, p) for s, e, ps in chords for p in ps],
    ):
        track = mido.MidiTrack()
        track.append(mido.MetaMessage("key_signature", key=key, time=0))
        track.append(mido.MetaMessage("time_signature", numerator=meter[0],
                                      denominator=meter[1], time=0))
        events = []
        for start, end, pitch in notes:
            events.append((round(start * tpb), 1, "note_on", pitch))
            events.append((round(end * tpb), 0, "note_off", pitch))
        now = 0
        for tick, _, kind, pitch in sorted(events):
            track.append(mido.Message(kind, note=pitch, velocity=80 if kind == "note_on" else 0,
                                      time=tick - now))
            now = tick
        midi.tracks.append(track)
    midi.save(str(path))
    return path


def scale_tune(bars: int = 4, root: int = 74) -> list[tuple[float, float, int]]:
    """Quarter notes walking up and down a major scale from ``root`` for ``bars`` bars of 4/4."""
    steps = [0, 2, 4, 5, 7, 9, 11, 12, 11, 9, 7, 5, 4, 2, 0, 2]
    return [(float(b), float(b + 1), root + steps[b % len(steps)]) for b in range(bars * 4)]
