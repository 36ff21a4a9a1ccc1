"""Set a duet to a melody: one syllable per melody note, saved as a MIDI file with lyric events.

The melody is read from a MIDI file (for example one exported from the Composer) with
:func:`engine.music.midi_import.read_midi`. Lines are split into syllables by a small English
heuristic (vowel groups, silent final *e*), then laid on the melody notes in order; when the song
has more syllables than the melody has notes, the melody repeats. The output holds a tempo track and
the melody track with a lyric meta-event at every sung note, karaoke style: a space ends a word and
a carriage return ends a line.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

from engine.atomic import atomic_path

_VOWELS = "aeiouy"
_WORD = re.compile(r"[A-Za-z']+|[^A-Za-z'\s]+")


@dataclass
class MelodyFit:
    """What :func:`set_to_melody` did: notes sung, syllables placed, melody repeats, output path."""

    notes: int
    syllables: int
    repeats: int
    path: Path


def word_syllables(word: str) -> list[str]:
    """Split one word into syllables (heuristic; ``"singing"`` → ``["sin", "ging"]``)."""
    letters = word.lower()
    groups = [m.span() for m in re.finditer(rf"[{_VOWELS}]+", letters)]
    if len(groups) > 1 and letters.endswith("e") and groups[-1] == (len(word) - 1, len(word)) \
            and not letters.endswith(("le", "ee")):
        groups.pop()  # silent final e: "love", "stone"
    if len(groups) <= 1:
        return [word]
    # Between two vowel groups, the last consonant starts the next syllable ("ma-ny", "sin-ging").
    pairs = zip(groups, groups[1:], strict=False)
    cuts = [start - 1 if start > end else end for (_, end), (start, _) in pairs]
    pieces, prev = [], 0
    for cut in cuts:
        pieces.append(word[prev:cut])
        prev = cut
    pieces.append(word[prev:])
    return [p for p in pieces if p]


def line_syllables(line: str) -> list[str]:
    """Syllables of a lyric line; a word's last syllable carries a trailing space."""
    out: list[str] = []
    for token in _WORD.findall(line):
        if not re.search(r"[A-Za-z]", token):
            if out:
                out[-1] = out[-1].rstrip() + token + " "
            continue
        parts = word_syllables(token)
        parts[-1] += " "
        out.extend(parts)
    return out


def set_to_melody(lines: list[str], midi_in: str | Path, midi_out: str | Path) -> MelodyFit:
    """Lay ``lines`` on the melody of ``midi_in`` and write a karaoke-style MIDI to ``midi_out``."""
    import mido

    from engine.music.midi_export import midi_text
    from engine.music.midi_import import read_midi

    tune = read_midi(midi_in)
    melody = sorted(tune.melody, key=lambda n: n.start)
    if not melody:
        raise ValueError(f"{midi_in}: no melody notes")
    sung: list[str] = []
    for line in lines:
        syllables = line_syllables(line)
        if syllables:
            syllables[-1] = syllables[-1].rstrip() + "\r"
            sung.extend(syllables)
    if not sung:
        raise ValueError("the duet has no words to sing")
    bar = tune.beats_per_bar or 4  # quarter beats (4.5 in 9/8)
    numerator, denominator = (int(v) for v in tune.meter.split("/"))
    period = math.ceil(max(n.end for n in melody) / bar) * bar
    repeats = math.ceil(len(sung) / len(melody))
    tpb = 480
    events: list[tuple[int, int, mido.Message | mido.MetaMessage]] = []
    for i, text in enumerate(sung):
        note = melody[i % len(melody)]
        offset = period * (i // len(melody))
        on, off = round((note.start + offset) * tpb), round((note.end + offset) * tpb)
        events.append((on, 0, mido.MetaMessage("lyrics", text=midi_text(text))))
        events.append((on, 1, mido.Message("note_on", note=note.pitch, velocity=80)))
        events.append((max(off, on + 1), -1, mido.Message("note_off", note=note.pitch, velocity=0)))
    events.sort(key=lambda e: (e[0], e[1]))
    out = mido.MidiFile(type=1, ticks_per_beat=tpb)
    meta = mido.MidiTrack()
    meta.append(mido.MetaMessage("set_tempo", tempo=_tempo(midi_in)))
    meta.append(mido.MetaMessage("time_signature", numerator=numerator, denominator=denominator))
    track = mido.MidiTrack()
    track.append(mido.MetaMessage("track_name", name="Duet"))
    now = 0
    for tick, _, message in events:
        track.append(message.copy(time=tick - now))
        now = tick
    out.tracks.extend([meta, track])
    with atomic_path(midi_out) as tmp:
        out.save(str(tmp))
    return MelodyFit(notes=len(melody), syllables=len(sung), repeats=repeats, path=Path(midi_out))


def _tempo(path: str | Path) -> int:
    """The first tempo of a MIDI file (microseconds per beat), 500000 (120 bpm) if none."""
    import mido

    for track in mido.MidiFile(str(path), clip=True).tracks:
        for message in track:
            if message.type == "set_tempo":
                return int(message.tempo)
    return 500_000
