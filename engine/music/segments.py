"""Cut tunes into DSHL segments: 4 beats, 16 sixteenth-note steps, 29 binary features per step.

Features per step (the paper's layout): melody articulation (1), melody octave one-hot (4),
melody pitch class one-hot (12), chord class one-hot (12; all zero = none or other). Tunes are
transposed to C major first. Segments hop by 2 beats; a segment that contains an off-grid
onset (a triplet) is skipped. The expanded repeats of the MIDI files are removed by keeping only
the first copy of a segment that recurs exactly within its tune; junctions are recorded between
occurrences, so the transitions around repeats are kept.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from engine.music.chords import chord_name
from engine.music.transpose import shift_to_c
from engine.music.tune import ImportProblem, Tune

STEPS_PER_BEAT = 4
SEGMENT_BEATS = 4
HOP_BEATS = 2
STEPS = SEGMENT_BEATS * STEPS_PER_BEAT
HOP = HOP_BEATS * STEPS_PER_BEAT
N_FEATURES = 29
ARTIC, OCT0, PC0, CHORD0 = 0, 1, 5, 17
N_OCTAVES, N_CHORDS = 4, 12
LOWEST_OCTAVE = 4  # MIDI pitch // 12 == 4 -> octave slot 0 (pitches 48..95 after transposition)
GRID_TOLERANCE = 0.02  # beats


@dataclass
class StepGrid:
    """A tune on the sixteenth-note grid, after transposition to C."""

    name: str
    pitch: np.ndarray  # (T,) int, -1 = rest
    onset: np.ndarray  # (T,) bool
    off_grid: np.ndarray  # (T,) bool, a triplet-like onset falls in this step
    chords: list[str | None]  # (T,) chord name sounding at the step
    beats_per_bar: int = 4


@dataclass
class TuneSegments:
    """The distinct segments of one tune and the junctions between their occurrences."""

    name: str
    features: np.ndarray  # (n, STEPS, N_FEATURES) uint8
    positions: np.ndarray  # (n,) hop index of the first occurrence
    ends: np.ndarray  # (n,) bool, some occurrence is the tune's last segment
    junctions: list[tuple[int, int]] = field(default_factory=list)  # local (i, successor)
    overlaps: list[tuple[int, int]] = field(default_factory=list)  # local (i, i + 1 hop)
    beats_per_bar: int = 4


def to_grid(tune: Tune) -> StepGrid:
    """Put ``tune`` on the sixteenth-note grid, transposed so that its main key becomes C."""
    shift = shift_to_c(tune.key)
    total = int(np.ceil(tune.length_beats * STEPS_PER_BEAT - GRID_TOLERANCE))
    pitch = np.full(total, -1, dtype=np.int16)
    onset = np.zeros(total, dtype=bool)
    off_grid = np.zeros(total, dtype=bool)
    for note in tune.melody:
        start, end = note.start * STEPS_PER_BEAT, note.end * STEPS_PER_BEAT
        first = int(round(start))
        if abs(start - first) > GRID_TOLERANCE * STEPS_PER_BEAT:
            off_grid[min(int(start), total - 1)] = True
            first = int(np.ceil(start))
        last = max(first + 1, int(round(end)))
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
    return StepGrid(tune.name, pitch, onset, off_grid, names, tune.beats_per_bar)


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


def segment_tune(grid: StepGrid, vocab: list[str]) -> TuneSegments:
    """Cut a grid into distinct 4-beat segments (2-beat hop) and record their junctions."""
    feats = encode(grid, vocab)
    total = len(feats)
    starts = list(range(0, total - STEPS + 1, HOP))
    if not starts:
        raise ImportProblem("too short (less than 4 beats)")
    seen: dict[bytes, int] = {}
    occurrence: list[int] = []
    kept: list[np.ndarray] = []
    positions: list[int] = []
    ends: list[bool] = []
    for hop_index, start in enumerate(starts):
        if grid.off_grid[start:start + STEPS].any():
            occurrence.append(-1)
            continue
        window = feats[start:start + STEPS]
        if not window[:, OCT0:PC0].any():
            occurrence.append(-1)  # melody silent throughout: nothing to compose with
            continue
        sig = window.tobytes()
        if sig not in seen:
            seen[sig] = len(kept)
            kept.append(window)
            positions.append(hop_index)
            ends.append(False)
        occurrence.append(seen[sig])
    if not kept:
        raise ImportProblem("no usable segment (only triplets or rests)")
    if occurrence[-1] >= 0:
        ends[occurrence[-1]] = True
    step = SEGMENT_BEATS // HOP_BEATS
    junctions = _pairs(occurrence, step)
    overlaps = _pairs(occurrence, 1)
    return TuneSegments(
        grid.name, np.stack(kept), np.asarray(positions, dtype=np.int32),
        np.asarray(ends, dtype=bool), junctions, overlaps, grid.beats_per_bar,
    )


def _pairs(occurrence: list[int], gap: int) -> list[tuple[int, int]]:
    """Distinct (a, b) pairs of kept segments whose occurrences are ``gap`` hops apart."""
    out = {
        (a, b)
        for a, b in zip(occurrence[:-gap], occurrence[gap:], strict=False)
        if a >= 0 and b >= 0
    }
    return sorted(out)


def chord_vocabulary(grids: list[StepGrid], size: int = N_CHORDS) -> list[str]:
    """Return the ``size`` most frequent chord names (counted per step) across ``grids``."""
    counts: Counter[str] = Counter()
    for grid in grids:
        counts.update(name for name in grid.chords if name)
    return [name for name, _ in counts.most_common(size)]


def segment_phase(position: int, beats_per_bar: int) -> int:
    """Beat within the bar at which a segment at hop ``position`` starts (0 = downbeat)."""
    return (position * HOP_BEATS) % beats_per_bar
