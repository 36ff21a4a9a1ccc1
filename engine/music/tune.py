"""A tune as Segue's music code sees it: melody notes, chord events, meter and key, in beats."""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_TUNE_BARS = 5000  # the longest real pieces (a symphony movement) run to about 1000 bars
MAX_TUNE_SECONDS = 2 * 3600.0  # and none plays for anywhere near two hours


class ImportProblem(Exception):
    """A file that cannot become a usable tune; the message is the reason shown to the user."""


def check_length(beats: float, beats_per_bar: float, seconds: float | None = None) -> None:
    """Raise ImportProblem if a tune of ``beats`` quarter beats (``seconds`` long, when known)
    is longer than any real tune.

    Called before a tune is put on a grid, whose size grows with its length: a tiny file with
    year-long note gaps must be refused here, not after gigabytes are allocated.
    """
    bars = beats / max(beats_per_bar, 1e-9)
    if not bars <= MAX_TUNE_BARS:  # also refuses nan
        raise ImportProblem(f"too long: {bars:,.0f} bars (the limit is {MAX_TUNE_BARS:,} bars; "
                            f"a note or a gap between notes that lasts for ages?)")
    if seconds is not None and not seconds <= MAX_TUNE_SECONDS:
        raise ImportProblem(f"too long: {seconds / 3600:,.1f} hours (the limit is "
                            f"{MAX_TUNE_SECONDS / 3600:g} hours)")


@dataclass(frozen=True)
class Note:
    """One note: start and end in beats (quarter notes) from the tune's start, MIDI pitch."""

    start: float
    end: float
    pitch: int


@dataclass
class Tune:
    """A monophonic melody plus chord-track notes, with the tune's meter and key.

    ``key`` is the main (first) key, e.g. ``"D"`` or ``"Am"``; ``keys`` lists every key the file
    declares. ``beats_per_bar`` counts quarter notes (2, 4, 3 for 3/4 and 6/8, 4.5 for 9/8, 6 for
    3/2 and 6/4). ``bar_lines`` (beats, from ABC bar lines) lets an odd bar drop only its own
    windows; ``irregular`` lists spans (start, end, reason) in beats whose windows are dropped
    (e.g. a meter change).
    """

    name: str
    melody: list[Note]
    chords: list[Note] = field(default_factory=list)
    key: str = "C"
    keys: list[str] = field(default_factory=list)
    beats_per_bar: float = 4
    meter: str = "4/4"
    bar_lines: list[float] = field(default_factory=list)
    irregular: list[tuple[float, float, str]] = field(default_factory=list)

    @property
    def length_beats(self) -> float:
        """Return the end of the last note, in beats."""
        ends = [n.end for n in self.melody] + [n.end for n in self.chords]
        return max(ends, default=0.0)

    @property
    def mode(self) -> str:
        """``"minor"`` when the main key is minor (``"Am"``), else ``"major"``."""
        return "minor" if self.key.endswith("m") and len(self.key) > 1 else "major"
