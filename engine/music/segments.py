"""Cut tunes into DSHL segments: a fixed number of beats of the meter, 29 binary features per step.

Features per step (the paper's layout): melody articulation (1), melody octave one-hot (4),
melody pitch class one-hot (12), chord class one-hot (12; all zero = none or other). Tunes are
transposed to C major (minor tunes to A minor) on a sixteenth-note grid. Meter families:
``duple`` (2/4, 4/4, 2/2): 4-beat segments (16 steps) every 2 beats; ``triple`` (3/4, 6/8,
9/8, 3/2, 6/4): 24-step segments every 12 steps — two bars of 3/4 or 6/8, one bar of 3/2 or 6/4
every half bar, four dotted-quarter beats of 9/8 every two. Windows start on the hop grid
counted over the meter's cycle (the bar, or two bars of 9/8, whose 18-step bar the 12-step hop
does not divide) from the bar line, restarting after an odd bar or a meter change; an odd bar,
a meter change or a triplet drops only the windows that touch it; 32nd-note ornaments and grace
notes are quantised to the sixteenth grid. Expanded repeats are removed by keeping the first
copy of a segment that recurs within its tune; junctions are recorded between occurrences, so
the transitions around repeats are kept.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from engine.music.chords import chord_name
from engine.music.meters import (  # noqa: F401 - re-exported: segments is their long-time home
    ARTIC,
    CHORD0,
    FAMILIES,
    GRID_TOLERANCE,
    HOP,
    HOP_BEATS,
    LOWEST_OCTAVE,
    METER_CHANGE,
    METER_NAMES,
    METERS,
    N_CHORDS,
    N_FEATURES,
    N_OCTAVES,
    OCT0,
    ODD_BAR,
    OFF_GRID,
    OK,
    PC0,
    REASONS,
    SEGMENT_BEATS,
    STEPS,
    STEPS_PER_BEAT,
    TRIPLET,
    Family,
    bar_beat,
    bar_steps,
    cycle_steps,
    known_meter,
    meter_family,
    pulse_steps,
)
from engine.music.transpose import shift_to_c
from engine.music.tune import ImportProblem, Tune, check_length


@dataclass
class StepGrid:
    """A tune on the sixteenth-note grid, after transposition to C (or A minor)."""

    name: str
    pitch: np.ndarray  # (T,) int, -1 = rest
    onset: np.ndarray  # (T,) bool
    off_grid: np.ndarray  # (T,) int8 reason code (OK = usable): triplet, odd bar, meter change
    chords: list[str | None]  # (T,) chord name sounding at the step
    beats_per_bar: float = 4  # quarter beats (4.5 in 9/8)
    meter: str = "4/4"
    mode: str = "major"
    phase: np.ndarray | None = None  # (T,) step within the bar, -1 = outside the regular grid
    ornaments: int = 0  # 32nd-note ornaments / grace notes quantised to the grid
    found: dict[str, str] = field(default_factory=dict)  # reason code name -> what was found

    @property
    def family(self) -> Family:
        """The meter family of this grid."""
        return FAMILIES[meter_family(self.meter)]


def _phase(tune: Tune, total: int, bar: int, bad: np.ndarray, found: dict[str, str]) -> np.ndarray:
    """Step within the bar for every step (-1 where no regular bar holds it)."""
    phase = np.full(total, -1, dtype=np.int16)
    lines = sorted({round(b * STEPS_PER_BEAT) for b in tune.bar_lines if 0 < b * 4 < total})
    if lines:
        edges = [0, *lines, total]
        for k, (a, b) in enumerate(zip(edges[:-1], edges[1:], strict=True)):
            length = b - a
            if length == bar:
                phase[a:b] = np.arange(length)
            elif k == 0 and length < bar:  # pick-up bar
                phase[a:b] = np.arange(bar - length, bar)
            elif k == len(edges) - 2 and length < bar:  # last bar, possibly incomplete
                phase[a:b] = np.arange(length)
            elif length > 0:
                bad[a:b] = ODD_BAR
                found.setdefault("odd bar", f"odd bar ({length}/16 in {tune.meter})")
        return phase
    start = 0
    for first, last, reason in sorted(tune.irregular) + [(total / 4, total / 4, "")]:
        a, b = int(round(first * STEPS_PER_BEAT)), int(round(last * STEPS_PER_BEAT))
        if a > start:
            phase[start:a] = np.arange(a - start) % bar
        if b > a:
            bad[a:min(b, total)] = METER_CHANGE
            found.setdefault("meter change", reason)
        start = max(start, b)
    return phase


def to_grid(tune: Tune) -> StepGrid:
    """Put ``tune`` on the sixteenth-note grid, transposed so that its main key becomes C (Am).

    Raises ImportProblem for a tune longer than :data:`engine.music.tune.MAX_TUNE_BARS`, before
    the grid is allocated.
    """
    check_length(tune.length_beats, tune.beats_per_bar)
    shift = shift_to_c(tune.key)
    bar = bar_steps(tune.meter)
    total = int(np.ceil(tune.length_beats * STEPS_PER_BEAT - GRID_TOLERANCE))
    pitch = np.full(total, -1, dtype=np.int16)
    onset = np.zeros(total, dtype=bool)
    bad = np.zeros(total, dtype=np.int8)
    found: dict[str, str] = {}
    ornaments = 0
    for note in sorted(tune.melody, key=lambda n: (n.start, -n.end)):
        start, end = note.start * STEPS_PER_BEAT, note.end * STEPS_PER_BEAT
        first = int(np.floor(start + 0.5))
        if abs(start - first) > GRID_TOLERANCE * STEPS_PER_BEAT:
            short = end - start <= 0.5 + GRID_TOLERANCE  # a 32nd note or shorter
            if abs(start * 4 - round(start * 4)) < 0.1 or (
                    short and abs(start * 3 - round(start * 3)) >= 0.1):
                ornaments += 1  # a 32nd-note ornament or grace note: onto the nearest sixteenth
                found.setdefault("ornament", "32nd-note ornament")
            elif abs(start * 3 - round(start * 3)) < 0.1:
                bad[min(int(start), total - 1)] = TRIPLET
                found.setdefault("triplet", "triplet")
                first = int(np.ceil(start))
            else:
                bad[min(int(start), total - 1)] = OFF_GRID
                found.setdefault("off-grid onset", f"off-grid onset at beat {note.start:g}")
                first = int(np.ceil(start))
        last = max(first + 1, int(np.floor(end + 0.5)))
        if first < total:
            pitch[first:last] = note.pitch + shift
            onset[first] = True
    chord_sets: list[list[int]] = [[] for _ in range(total)]
    for note in tune.chords:
        first = int(round(note.start * STEPS_PER_BEAT))
        last = max(first + 1, int(round(note.end * STEPS_PER_BEAT)))
        for step in range(max(0, first), min(total, last)):
            chord_sets[step].append(note.pitch + shift)
    names: list[str | None] = []
    cache: dict[tuple[int, ...], str | None] = {}
    for pitches in chord_sets:
        sig = tuple(sorted(pitches))
        if sig not in cache:
            cache[sig] = chord_name(pitches) if pitches else None
        names.append(cache[sig])
    phase = _phase(tune, total, bar, bad, found)
    return StepGrid(tune.name, pitch, onset, bad, names, tune.beats_per_bar, tune.meter,
                    tune.mode, phase, ornaments, found)


def encode(grid: StepGrid, vocab: list[str]) -> np.ndarray:
    """Encode a step grid as a (T, 29) uint8 feature matrix with chord vocabulary ``vocab``."""
    total = len(grid.pitch)
    feats = np.zeros((total, N_FEATURES), dtype=np.uint8)
    sounding = grid.pitch >= 0
    feats[:, ARTIC] = grid.onset & sounding
    octave = np.clip(grid.pitch // 12 - LOWEST_OCTAVE, 0, N_OCTAVES - 1)
    idx = np.nonzero(sounding)[0]
    feats[idx, OCT0 + octave[idx]] = 1
    feats[idx, PC0 + grid.pitch[idx] % 12] = 1
    index = {name: i for i, name in enumerate(vocab[:N_CHORDS])}
    for step, name in enumerate(grid.chords):
        if name in index:
            feats[step, CHORD0 + index[name]] = 1
    return feats


@dataclass
class TuneSegments:
    """The distinct segments of one tune and the junctions between their occurrences."""

    name: str
    features: np.ndarray  # (n, steps, N_FEATURES) uint8
    positions: np.ndarray  # (n,) slot index of the first occurrence
    ends: np.ndarray  # (n,) bool, some occurrence is the tune's last segment
    junctions: list[tuple[int, int]] = field(default_factory=list)  # local (i, successor)
    overlaps: list[tuple[int, int]] = field(default_factory=list)  # local (i, i + 1 hop)
    beats_per_bar: float = 4
    phases: np.ndarray | None = None  # (n,) quarter beat of the cycle where each segment starts
    occurrence: list[int] = field(default_factory=list)  # per hop slot: local id or -1
    dropped: Counter = field(default_factory=Counter)  # reason -> windows dropped


def cycle_phase(grid: StepGrid) -> np.ndarray:
    """Step within the meter's cycle (:func:`cycle_steps`) for every step, -1 outside regular bars.

    Bars are counted from the start of each run of regular bars (a pick-up bar is the bar before
    the first); the count restarts after an odd bar or a meter change. Where the cycle is the bar
    (every meter but 9/8) this is the step within the bar.
    """
    bar, cycle = bar_steps(grid.meter), cycle_steps(grid.meter)
    phase = grid.phase if grid.phase is not None else np.arange(len(grid.pitch)) % bar
    phase = np.asarray(phase, dtype=np.int16)
    if cycle == bar:
        return phase.copy()
    out = np.full(len(phase), -1, dtype=np.int16)
    count, prev = 0, -1
    for step, value in enumerate(phase.tolist()):
        if value < 0:
            prev = -1
            continue
        if prev < 0 or value != (prev + 1) % bar:  # a new run of regular bars
            count = 0 if value == 0 else -1
        elif value == 0:
            count += 1
        out[step] = (count * bar + value) % cycle
        prev = value
    return out


def _slots(grid: StepGrid, family: Family) -> list[int]:
    """Window starts on the hop grid (counted over the meter's cycle from the bar line), in order."""
    phase = cycle_phase(grid)
    return [s for s in range(len(phase)) if phase[s] >= 0 and phase[s] % family.hop == 0]


def segment_tune(grid: StepGrid, vocab: list[str]) -> TuneSegments:
    """Cut a grid into distinct segments of its meter family and record their junctions."""
    family = grid.family
    steps, cycle = family.steps, cycle_steps(grid.meter)
    feats = encode(grid, vocab)
    total = len(feats)
    phase = cycle_phase(grid)
    starts = [s for s in _slots(grid, family) if s + steps <= total]
    if not starts:
        raise ImportProblem(f"too short (less than {steps // STEPS_PER_BEAT} beats)")
    seen: dict[bytes, int] = {}
    by_start: dict[int, int] = {}
    kept: list[np.ndarray] = []
    positions, ends, phases = [], [], []
    dropped: Counter = Counter()
    for slot, start in enumerate(starts):
        codes = grid.off_grid[start:start + steps]
        expect = (phase[start] + np.arange(steps)) % cycle
        if codes.any():
            dropped[_found(grid, int(codes[codes > 0][0]))] += 1
            continue
        if (phase[start:start + steps] != expect).any():
            dropped[grid.found.get("odd bar", "odd bar")] += 1
            continue
        window = feats[start:start + steps]
        if not window[:, OCT0:PC0].any():
            dropped["silence"] += 1  # melody silent throughout: nothing to compose with
            continue
        sig = window.tobytes()
        if sig not in seen:
            seen[sig] = len(kept)
            kept.append(window)
            positions.append(slot)
            ends.append(False)
            phases.append(int(phase[start]) // STEPS_PER_BEAT)
        by_start[start] = seen[sig]
    if not kept:
        what = ", ".join(f"{r} ({n} windows)" for r, n in dropped.most_common()) or "nothing"
        raise ImportProblem(f"no usable segment: {what}")
    occurrence = [by_start.get(s, -1) for s in starts]
    if occurrence[-1] >= 0:
        ends[occurrence[-1]] = True
    junctions = sorted({(by_start[s], by_start[s + steps]) for s in by_start
                        if s + steps in by_start})
    overlaps = sorted({(by_start[s], by_start[s + family.hop]) for s in by_start
                       if s + family.hop in by_start})
    return TuneSegments(
        grid.name, np.stack(kept), np.asarray(positions, dtype=np.int32),
        np.asarray(ends, dtype=bool), junctions, overlaps, grid.beats_per_bar,
        np.asarray(phases, dtype=np.int8), occurrence, dropped,
    )


def _found(grid: StepGrid, code: int) -> str:
    """Human-readable name of what was found at a dropped window."""
    if code == ODD_BAR:
        return grid.found.get("odd bar", "odd bar")
    if code == METER_CHANGE:
        return grid.found.get("meter change", "meter change")
    if code == OFF_GRID:
        return "off-grid onset"
    return REASONS.get(code, "irregular")


def chord_vocabulary(grids: list[StepGrid], size: int = N_CHORDS) -> list[str]:
    """Return the ``size`` most frequent chord names (counted per step) across ``grids``."""
    counts: Counter[str] = Counter()
    for grid in grids:
        counts.update(name for name in grid.chords if name)
    return [name for name, _ in counts.most_common(size)]


def segment_phase(position: int, beats_per_bar: int) -> int:
    """Beat within the bar at which a duple segment at hop ``position`` starts (0 = downbeat)."""
    return (position * HOP_BEATS) % beats_per_bar
