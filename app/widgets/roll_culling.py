"""What one paint of the chain view draws: only what is visible, and never more than a cap.

A chain of a million notes must paint as fast as one of forty: the notes are kept sorted by
start (``NoteIndex``), a paint asks for the notes that overlap the beats on screen, and when
those are still more than ``MAX_NOTES_PER_PAINT`` they are thinned to one per pixel column and
pitch row (``thin_to_pixels``), which looks the same. Pure Python, no Qt: the view maps beats to
pixels and passes the mapping in.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol, TypeVar

MAX_NOTES_PER_PAINT = 20_000  # above this, one note per pixel column and pitch row
MAX_BEAT_LINES = 4_000  # grid and ruler lines drawn in one paint at most


class Spanned(Protocol):
    """Anything with a start and an end in beats (a note, a chord, a block)."""

    @property
    def start_beats(self) -> float:
        """Start in beats."""

    @property
    def end_beats(self) -> float:
        """End in beats."""


NoteT = TypeVar("NoteT", bound=Spanned)


class NoteIndex:
    """Notes sorted by start, with the longest duration, for fast range queries."""

    def __init__(self, notes: Iterable[NoteT]) -> None:
        self.notes = sorted((n for n in notes if _finite(n.start_beats, n.end_beats)),
                            key=lambda n: n.start_beats)
        self._starts = [n.start_beats for n in self.notes]
        self._longest = max((n.end_beats - n.start_beats for n in self.notes), default=0.0)
        pitches = [getattr(n, "pitch", 0) for n in self.notes]
        self.pitch_span: tuple[int, ...] = (min(pitches), max(pitches)) if pitches else ()

    def __len__(self) -> int:
        return len(self.notes)

    def overlapping(self, left: float, right: float) -> list:
        """The notes sounding anywhere between ``left`` and ``right`` beats, in start order."""
        first = bisect.bisect_left(self._starts, left - self._longest)
        last = bisect.bisect_right(self._starts, right)
        return [n for n in self.notes[first:last] if n.end_beats >= left]


def _finite(*values: float) -> bool:
    return all(math.isfinite(v) for v in values)


def thin_to_pixels(notes: Sequence[NoteT], x_of: Callable[[float], float],
                   limit: int = MAX_NOTES_PER_PAINT) -> Sequence[NoteT]:
    """At most one note per (pixel column, pitch) once there are more than ``limit`` notes."""
    if len(notes) <= limit:
        return notes
    seen: set[tuple[int, int]] = set()
    kept = []
    for note in notes:
        key = (int(x_of(note.start_beats)), getattr(note, "pitch", 0))
        if key not in seen:
            seen.add(key)
            kept.append(note)
    return kept


def visible_beats(first: float, last: float, step: float,
                  limit: int = MAX_BEAT_LINES) -> list[float]:
    """Grid positions ``k * step`` from ``first`` to ``last`` (at most ``limit``, else none)."""
    if step <= 0 or not _finite(first, last, step) or last < first:
        return []
    start = max(0, math.floor(first / step - 1e-9))
    stop = math.floor(last / step + 1e-9)
    if stop - start + 1 > limit:
        return []
    return [k * step for k in range(start, stop + 1)]


def visible_range(items: Sequence, left: float, right: float,
                  start: Callable[[object], float], end: Callable[[object], float]) -> range:
    """Indices of the start-sorted ``items`` that overlap ``left``–``right`` (blocks never overlap)."""
    lo, hi = 0, len(items)
    while lo < hi:  # first item ending after left
        mid = (lo + hi) // 2
        if end(items[mid]) < left:
            lo = mid + 1
        else:
            hi = mid
    first = lo
    lo, hi = first, len(items)
    while lo < hi:  # first item starting after right
        mid = (lo + hi) // 2
        if start(items[mid]) <= right:
            lo = mid + 1
        else:
            hi = mid
    return range(first, lo)


def short_chord(name: str) -> str:
    """A chord symbol without its extensions and bass (``"Dmaj7/F♯"`` → ``"D"``, ``"Em7"`` → ``"Em"``)."""
    root_len = 2 if len(name) > 1 and name[1] in "#b♯♭" else 1
    root, rest = name[:root_len], name[root_len:].split("/")[0]
    minor = rest.startswith("m") and not rest.startswith("maj")
    return root + ("m" if minor else "") + ("°" if rest.startswith("dim") else "")


def chord_labels(spans: Sequence[tuple[float, float, str]], x_of: Callable[[float], float],
                 width_of: Callable[[str], float], gap: float = 4.0) -> list[tuple[float, str]]:
    """Where each chord symbol goes, whole and never overlapping (``(x, text)`` pairs).

    A symbol is drawn at its chord's start; if the full name is wider than the room up to the
    next symbol, its short form is used; if even that does not fit without touching the symbol
    before it, it is left out (thinned at small zoom), never clipped.
    """
    ordered = sorted(spans)
    labels: list[tuple[float, str]] = []
    free_from = -math.inf
    for k, (start, _end, name) in enumerate(ordered):
        x = x_of(start) + 3
        if x < free_from:
            continue
        room = (x_of(ordered[k + 1][0]) + 3 - gap - x) if k + 1 < len(ordered) else math.inf
        for text in dict.fromkeys((name, short_chord(name))):
            if width_of(text) <= room or text == short_chord(name):
                labels.append((x, text))
                free_from = x + width_of(text) + gap
                break
    return labels
