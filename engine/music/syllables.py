"""A melody on the chain's 16th grid and a duet's syllables laid on it, one syllable per note.

A :class:`Melody` is a monophonic line on the 16th grid (quarter beats from the first bar line)
with its meter, tempo and key; :func:`melody_line` reduces any notes to one such line. Lines of
words are split into syllables by a small English heuristic (vowel groups, silent final *e*),
then laid on the notes by :func:`lay_syllables`, one syllable per note. Each line starts on the
first note at or after a bar line (the first line on the first note); the last syllable of a line
holds over the notes left before the next bar line (a melisma), up to a rest; notes after that
rest sing nothing. When the song has more syllables than the melody, the melody repeats (verse
2, 3, …). The result, a :class:`Setting`, marks each note's syllable as MusicXML does (single,
begin, middle, end) for the lead sheet (:mod:`engine.music.leadsheet`) and the karaoke MIDI
(:mod:`engine.lyrics.melody`). Plain Python: no model, no file.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_VOWELS = "aeiouy"
_WORD = re.compile(r"[A-Za-z']+|[^A-Za-z'\s]+")
GRID = 0.25  # the chain's grid: a 16th note, in quarter beats
_EPS = 1e-6


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


# -- laying syllables -----------------------------------------------------------------------
def _syllabic(word_start: bool, word_end: bool) -> str:
    """MusicXML's ``syllabic`` of a syllable that starts and/or ends its word."""
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
