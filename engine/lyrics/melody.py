"""Set a duet to a melody in memory: syllables laid on melody notes, for a karaoke MIDI or a score.

A :class:`Melody` is a monophonic line on the chain's 16th grid (quarter beats), with its meter,
tempo and key: :func:`melody_of_state` takes it from the Composer's chain in memory,
:func:`melody_of_record` from a project's saved chain (so a project whose collection is not
installed can still be sung), :func:`melody_of_file` from a MIDI file (read once).

Lines are split into syllables by a small English heuristic (vowel groups, silent final *e*), then
laid on the notes by :func:`lay_syllables`, one syllable per note. Each line starts on the first
note at or after a bar line (the first line on the first note); the last syllable of a line holds
over the notes left before the next bar line (a melisma), up to a rest; notes after that rest sing
nothing. When the song has more syllables than the melody, the melody repeats (verse 2, 3, …).
The result, a :class:`Setting`, marks each note's syllable as MusicXML does (single, begin,
middle, end) for the lead sheet (:mod:`engine.music.leadsheet`); :func:`write_karaoke` writes it
as a MIDI with a tempo track and the melody with a lyric meta-event at every sung note, karaoke
style: a space ends a word and a carriage return ends a line. No temporary file, no model.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from engine.atomic import atomic_path

if TYPE_CHECKING:  # annotations only: the chain types pull in the composer's API
    from engine.dshl.chain import ChainState
    from engine.project.model import Chain

_VOWELS = "aeiouy"
_WORD = re.compile(r"[A-Za-z']+|[^A-Za-z'\s]+")
GRID = 0.25  # the chain's grid: a 16th note, in quarter beats
_EPS = 1e-6
TICKS_PER_BEAT = 480


@dataclass(frozen=True)
class MelodyNote:
    """One melody note: start and end in quarter beats from the first bar line, MIDI pitch."""

    start: float
    end: float
    pitch: int


@dataclass(frozen=True)
class Melody:
    """A monophonic melody on the 16th grid with its meter (``"6/8"``), tempo (quarter-note
    BPM), key (``"Em"``) and length in quarter beats (at least the last note's end)."""

    notes: tuple[MelodyNote, ...]
    meter: str = "4/4"
    tempo: float = 120.0
    key: str = "C"
    length: float = 0.0

    @property
    def bar_beats(self) -> float:
        """Quarter beats in one bar (4.5 in 9/8; 4 for a meter Segue does not know)."""
        from engine.music.meters import METERS, known_meter

        num, den = (int(v) for v in known_meter(self.meter).split("/"))
        return float(METERS[(num, den)][2])

    @property
    def period(self) -> float:
        """Where a repeat of the melody starts: its length rounded up to a whole bar."""
        bar = self.bar_beats
        end = max([self.length] + [n.end for n in self.notes])
        return max(1, math.ceil(end / bar - _EPS)) * bar

    def fingerprint(self) -> str:
        """A short digest of the notes and meter: the Lyrics panel records which chain it sang."""
        text = self.meter + ";" + ";".join(f"{n.start:.3f},{n.end:.3f},{n.pitch}"
                                           for n in self.notes)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class SungNote:
    """What is sung on one melody note: ``index`` into :attr:`Melody.notes`, ``verse`` (1 the
    first time through the melody, 2 on its repeat…), the syllable ``text`` (punctuation kept;
    ``""`` on a note that sings nothing new), MusicXML's ``syllabic`` (``single``, ``begin``,
    ``middle``, ``end``; ``""`` with no text), word and line ends, and ``held``: the previous
    syllable holds over this note (a melisma)."""

    index: int
    verse: int
    text: str = ""
    syllabic: str = ""
    word_end: bool = False
    line_end: bool = False
    held: bool = False

    def karaoke(self) -> str:
        """The lyric event's text: the syllable, then a space after a word, a CR after a line."""
        return self.text + ("\r" if self.line_end else " " if self.word_end else "")


@dataclass(frozen=True)
class Setting:
    """A duet laid on a melody: every note sung (or held) in order, through the last bar sung."""

    melody: Melody
    notes: tuple[SungNote, ...]
    syllables: int

    @property
    def repeats(self) -> int:
        """How many times the melody is sung through (1: it holds every syllable)."""
        return max(n.verse for n in self.notes)


@dataclass
class MelodyFit:
    """What :func:`set_to_melody` did: notes sung, syllables placed, melody repeats, output path."""

    notes: int
    syllables: int
    repeats: int
    path: Path
    fingerprint: str = ""  # the melody's (see Melody.fingerprint)


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


# -- melodies -------------------------------------------------------------------------------
def melody_line(notes: Iterable[tuple[float, float, int]], grid: float = GRID
                ) -> tuple[MelodyNote, ...]:
    """``(start, end, pitch)`` notes moved onto ``grid`` (at least one step long) and reduced to
    one line: the highest note at each onset, cut where the next one starts."""
    snapped = sorted(((round(s / grid) * grid, max(round(e / grid) * grid,
                                                    round(s / grid) * grid + grid), int(p))
                      for s, e, p in notes), key=lambda n: (n[0], -n[2]))
    line: list[MelodyNote] = []
    for start, end, pitch in snapped:
        if line and start == line[-1].start:
            continue  # a lower note of the same onset
        if line and start < line[-1].end:
            line[-1] = MelodyNote(line[-1].start, start, line[-1].pitch)
        line.append(MelodyNote(float(start), float(end), pitch))
    return tuple(line)


def melody_of_state(state: ChainState) -> Melody:
    """The melody of the Composer's chain in memory (its ``"melody"`` track)."""
    req = state.chain.request
    notes = melody_line((n.start_beats, n.end_beats, n.pitch) for n in state.notes
                        if n.track == "melody")
    return Melody(notes, req.meter, float(req.tempo), req.key, state.total_beats)


def melody_of_record(record: Chain) -> Melody:
    """The melody of a project's saved chain, from its saved notes (no collection or model)."""
    from engine.music.meters import block_beats, known_meter

    meter = known_meter(record.meter)
    notes = melody_line((n.start, n.end, n.pitch) for n in record.notes if n.track == "melody")
    return Melody(notes, meter, float(record.tempo), record.key,
                  len(record.segments) * block_beats(meter))


def melody_of_file(path: str | Path) -> Melody:
    """The melody of a MIDI file (the part :func:`~engine.music.midi_import.read_midi` picks),
    its meter, first tempo and key; the file is read once."""
    import mido

    from engine import safe_io
    from engine.music import midi_import
    from engine.music.tune import ImportProblem

    path = Path(path)
    safe_io.check_input_file(path, "MIDI", safe_io.MAX_MIDI_BYTES, ImportProblem)
    try:
        midi = mido.MidiFile(str(path), clip=True)
    except Exception as exc:  # mido raises many types (OSError, EOFError, ValueError, KeyError)
        raise ImportProblem(f"cannot parse MIDI: {type(exc).__name__}: {exc}") from exc
    parts: dict = defaultdict(list)
    keys: list[str] = []
    meters: list = []
    tempos: list[tuple[float, int]] = []
    for index, track in enumerate(midi.tracks):  # read_midi's reader, on the file read here
        midi_import._read_track(track, index, midi.ticks_per_beat or 480, parts, keys, meters,
                                tempos)
    tune = midi_import._build_tune(path.stem, parts, keys, meters, tempos)
    first = min(tempos, default=(0.0, midi_import.DEFAULT_TEMPO))[1]
    notes = melody_line((n.start, n.end, n.pitch) for n in tune.melody)
    return Melody(notes, tune.meter, 60_000_000 / first, tune.key, tune.length_beats)


# -- laying syllables -----------------------------------------------------------------------
def _syllabic(word_start: bool, word_end: bool) -> str:
    if word_start:
        return "single" if word_end else "begin"
    return "end" if word_end else "middle"


def lay_syllables(lines: Sequence[str], melody: Melody) -> Setting:
    """Lay the syllables of ``lines`` on ``melody`` (rules in the module docstring).

    Raises ValueError when the melody has no notes or the lines no words.
    """
    notes = melody.notes
    if not notes:
        raise ValueError("the melody has no notes to sing")
    sung_lines = [s for s in (line_syllables(line) for line in lines) if s]
    if not sung_lines:
        raise ValueError("the duet has no words to sing")
    size, bar, period = len(notes), melody.bar_beats, melody.period

    def start(pos: int) -> float:
        return notes[pos % size].start + (pos // size) * period

    def end(pos: int) -> float:
        return notes[pos % size].end + (pos // size) * period

    out: list[SungNote] = []
    pos = 0
    for syllables in sung_lines:
        word_start = True
        for k, syllable in enumerate(syllables):
            word_end = syllable.endswith(" ")
            out.append(SungNote(pos % size, pos // size + 1, syllable.rstrip(),
                                _syllabic(word_start, word_end), word_end,
                                k == len(syllables) - 1))
            word_start = word_end
            pos += 1
        # the last syllable holds up to the next bar line (or a rest), where the next line starts
        boundary = (math.floor(start(pos - 1) / bar + _EPS) + 1) * bar
        holding = True
        while start(pos) < boundary - _EPS:
            holding = holding and start(pos) <= end(pos - 1) + _EPS
            out.append(SungNote(pos % size, pos // size + 1, held=holding))
            pos += 1
    return Setting(melody, tuple(out), sum(len(s) for s in sung_lines))


# -- karaoke MIDI -------------------------------------------------------------------------------
def write_karaoke(setting: Setting, midi_out: str | Path, name: str = "Duet") -> Path:
    """Write ``setting`` as a Type-1 MIDI: a tempo/meter track and the melody with a lyric
    event at each sung note (UTF-8 text); atomically, returning the path."""
    import mido

    from engine.music.midi_export import midi_text

    melody, tpb = setting.melody, TICKS_PER_BEAT
    numerator, denominator = (int(v) for v in melody.meter.split("/"))
    events: list[tuple[int, int, mido.Message | mido.MetaMessage]] = []
    for sung in setting.notes:
        note, offset = melody.notes[sung.index], melody.period * (sung.verse - 1)
        on, off = round((note.start + offset) * tpb), round((note.end + offset) * tpb)
        if sung.text:
            events.append((on, 0, mido.MetaMessage("lyrics", text=midi_text(sung.karaoke()))))
        events.append((on, 1, mido.Message("note_on", note=note.pitch, velocity=80)))
        events.append((max(off, on + 1), -1, mido.Message("note_off", note=note.pitch,
                                                          velocity=0)))
    events.sort(key=lambda e: (e[0], e[1]))
    out = mido.MidiFile(type=1, ticks_per_beat=tpb)
    meta = mido.MidiTrack()
    meta.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(melody.tempo)))
    meta.append(mido.MetaMessage("time_signature", numerator=numerator, denominator=denominator))
    track = mido.MidiTrack()
    track.append(mido.MetaMessage("track_name", name=midi_text(name)))
    now = 0
    for tick, _, message in events:
        track.append(message.copy(time=tick - now))
        now = tick
    out.tracks.extend([meta, track])
    with atomic_path(midi_out) as tmp:
        out.save(str(tmp))
    return Path(midi_out)


def sing(lines: Sequence[str], melody: Melody, midi_out: str | Path) -> MelodyFit:
    """Lay ``lines`` on ``melody`` (in memory) and write the karaoke MIDI to ``midi_out``."""
    setting = lay_syllables(lines, melody)
    path = write_karaoke(setting, midi_out)
    return MelodyFit(notes=len(melody.notes), syllables=setting.syllables,
                     repeats=setting.repeats, path=path, fingerprint=melody.fingerprint())


def set_to_melody(lines: list[str], midi_in: str | Path, midi_out: str | Path) -> MelodyFit:
    """Lay ``lines`` on the melody of ``midi_in`` and write a karaoke-style MIDI to ``midi_out``."""
    melody = melody_of_file(midi_in)
    if not melody.notes:
        raise ValueError(f"{midi_in}: no melody notes")
    return sing(lines, melody, midi_out)
