"""Meters and their families, numpy-free: what the window needs before the engine loads.

``engine.music.segments`` re-exports every name here; see its docstring for the segment layout.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import lcm

from engine.music.tune import ImportProblem

STEPS_PER_BEAT = 4
SEGMENT_BEATS = 4
HOP_BEATS = 2
STEPS = SEGMENT_BEATS * STEPS_PER_BEAT  # duple family
HOP = HOP_BEATS * STEPS_PER_BEAT
N_FEATURES = 29
ARTIC, OCT0, PC0, CHORD0 = 0, 1, 5, 17
N_OCTAVES, N_CHORDS = 4, 12
LOWEST_OCTAVE = 4  # MIDI pitch // 12 == 4 -> octave slot 0 (pitches 48..95 after transposition)
GRID_TOLERANCE = 0.02  # beats


@dataclass(frozen=True)
class Family:
    """A meter family: segment length and hop in sixteenth steps."""

    name: str
    steps: int
    hop: int


FAMILIES = {"duple": Family("duple", 16, 8), "triple": Family("triple", 24, 12)}
# (numerator, denominator) -> (family, sixteenth steps per bar, quarter beats per bar (4.5 in 9/8))
METERS: dict[tuple[int, int], tuple[str, int, float]] = {
    (2, 4): ("duple", 8, 2), (4, 4): ("duple", 16, 4), (2, 2): ("duple", 16, 4),
    (3, 4): ("triple", 12, 3), (6, 8): ("triple", 12, 3),
    (9, 8): ("triple", 18, 4.5), (3, 2): ("triple", 24, 6), (6, 4): ("triple", 24, 6),
}
METER_NAMES = ", ".join(f"{n}/{d}" for n, d in METERS)
OK, TRIPLET, ODD_BAR, METER_CHANGE, OFF_GRID = range(5)
REASONS = {TRIPLET: "triplet", ODD_BAR: "odd bar", METER_CHANGE: "meter change",
           OFF_GRID: "off-grid onset"}


def meter_family(meter: str) -> str:
    """Family name of a meter such as ``"6/8"``; raise ImportProblem if unsupported."""
    try:
        num, den = (int(v) for v in meter.split("/"))
        return METERS[(num, den)][0]
    except (ValueError, KeyError) as exc:
        raise ImportProblem(f"unsupported meter {meter} (supported: {METER_NAMES})") from exc


def known_meter(meter: str, default: str = "4/4") -> str:
    """``meter`` if a meter family holds it, else ``default`` (e.g. a chain saved by a newer
    Segue)."""
    try:
        meter_family(meter)
    except ImportProblem:
        return default
    return meter


def bar_steps(meter: str) -> int:
    """Sixteenth steps in one bar of ``meter``."""
    meter_family(meter)
    num, den = (int(v) for v in meter.split("/"))
    return METERS[(num, den)][1]


def cycle_steps(meter: str) -> int:
    """Steps after which window starts repeat at the same place in the bar: the bar, or two bars
    of 9/8 (lcm of the bar and the family's hop)."""
    return lcm(bar_steps(meter), FAMILIES[meter_family(meter)].hop)


def pulse_steps(meter: str) -> int:
    """Sixteenth steps in one counted beat: the dotted note of compound meters (6/8, 9/8, 6/4),
    else the note the denominator names (a half note in 2/2 and 3/2)."""
    num, den = (int(v) for v in meter.split("/"))
    unit = 16 // den
    return unit * 3 if num % 3 == 0 and num > 3 else unit


def bar_beat(step: int, meter: str) -> tuple[int, str]:
    """``(bar, beat)`` (1-based; the beat counted in the meter's pulse, ``"2½"`` between beats)
    of a step counted from a bar line."""
    bar, pulse = bar_steps(meter), pulse_steps(meter)
    beat, rest = divmod(step % bar, pulse)
    half = "½" if rest * 2 == pulse else ""
    return step // bar + 1, f"{beat + 1}{half}"


def block_beats(meter: str) -> float:
    """Quarter beats in one segment of ``meter``'s family (4 for an unknown meter)."""
    return FAMILIES[meter_family(known_meter(meter))].steps / STEPS_PER_BEAT
