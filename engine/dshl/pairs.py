"""Training pairs: successors, filtered negatives and the Eq. 6–8 transition statistic.

The statistic (paper Eq. 6–8) estimates P(+ | last chord of s_i, first chord of s_j) and
P(+ | last pitch, first pitch) from training junctions, with equal priors for successor and
random pairs: P = f_pos / (f_pos + f_rand), where f_rand is the product of the marginals.
Their mean is P(+ | s_i, s_j); sampled negatives with P ≥ 0.5 are dropped as likely positives.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.music.segments import CHORD0, N_CHORDS, N_OCTAVES, OCT0, PC0

N_PITCH_CLASSES = N_OCTAVES * 12 + 1  # octave × pitch class, plus "silent"
N_CHORD_CLASSES = N_CHORDS + 1  # vocabulary, plus "none/other"


@dataclass
class Edges:
    """Per-segment values at its two edges, used by the statistic and the re-ranker."""

    first_pitch: np.ndarray  # (N,) 0..48, 48 = silent
    last_pitch: np.ndarray
    first_chord: np.ndarray  # (N,) 0..12, 12 = none
    last_chord: np.ndarray
    first_midi: np.ndarray  # (N,) first sounding MIDI pitch (-1 = none)
    last_midi: np.ndarray  # (N,) last sounding MIDI pitch (-1 = none)


def edges(features: np.ndarray) -> Edges:
    """Compute the edge values of every segment in ``features`` (N, T, 29)."""
    octave = features[:, :, OCT0:PC0]
    pitch_class = features[:, :, PC0:CHORD0]
    sounding = pitch_class.any(-1)
    midi = np.where(sounding, (octave.argmax(-1) + 4) * 12 + pitch_class.argmax(-1), -1)
    cls = np.where(sounding, octave.argmax(-1) * 12 + pitch_class.argmax(-1), N_PITCH_CLASSES - 1)
    chords = features[:, :, CHORD0:CHORD0 + N_CHORDS]
    chord = np.where(chords.any(-1), chords.argmax(-1), N_CHORD_CLASSES - 1)
    n, t = sounding.shape
    first_idx = np.where(sounding.any(1), sounding.argmax(1), 0)
    last_idx = np.where(sounding.any(1), t - 1 - sounding[:, ::-1].argmax(1), t - 1)
    rows = np.arange(n)
    return Edges(
        first_pitch=cls[rows, first_idx], last_pitch=cls[rows, last_idx],
        first_chord=chord[:, 0], last_chord=chord[:, -1],
        first_midi=midi[rows, first_idx], last_midi=midi[rows, last_idx],
    )


@dataclass
class TransitionStat:
    """The Eq. 6–8 tables: P(+ | last chord, first chord) and P(+ | last pitch, first pitch)."""

    chord: np.ndarray  # (13, 13)
    pitch: np.ndarray  # (49, 49)

    def components(self, e: Edges, i: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return (P_chord, P_pitch) for pairs (i, j) of segment ids."""
        return (self.chord[e.last_chord[i], e.first_chord[j]],
                self.pitch[e.last_pitch[i], e.first_pitch[j]])

    def score(self, e: Edges, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Eq. 8: the mean of the two conditional probabilities."""
        chord, pitch = self.components(e, i, j)
        return 0.5 * (chord + pitch)


def transition_stat(e: Edges, junctions: np.ndarray, segments: np.ndarray,
                    smoothing: float = 1.0) -> TransitionStat:
    """Estimate the statistic from ``junctions`` (P, 2) among ``segments`` (ids)."""
    return TransitionStat(
        chord=_table(e.last_chord, e.first_chord, junctions, segments, N_CHORD_CLASSES, smoothing),
        pitch=_table(e.last_pitch, e.first_pitch, junctions, segments, N_PITCH_CLASSES, smoothing),
    )


def _table(last, first, junctions, segments, n: int, smoothing: float) -> np.ndarray:
    """P(+ | a, b) with equal priors: f_pos / (f_pos + f_rand), Laplace-smoothed."""
    pos = np.full((n, n), smoothing)
    np.add.at(pos, (last[junctions[:, 0]], first[junctions[:, 1]]), 1.0)
    pos /= pos.sum()
    m_last = np.bincount(last[segments], minlength=n) + smoothing
    m_first = np.bincount(first[segments], minlength=n) + smoothing
    rand = np.outer(m_last / m_last.sum(), m_first / m_first.sum())
    return pos / (pos + rand)


def sample_negatives(
    rng: np.random.Generator, segments: np.ndarray, tune: np.ndarray, successor: set[tuple[int, int]],
    stat: TransitionStat | None, e: Edges, count: int, same_tune: float = 0.0,
) -> np.ndarray:
    """Sample ``count`` non-successor pairs among ``segments``, dropping those with P ≥ 0.5.

    A fraction ``same_tune`` of the pairs takes s_j from s_i's own tune (harder negatives).
    """
    out: list[np.ndarray] = [np.zeros((0, 2), dtype=np.asarray(segments).dtype)]
    by_tune: dict[int, np.ndarray] = {}
    for seg in segments:
        by_tune.setdefault(int(tune[seg]), []).append(seg)  # type: ignore[arg-type]
    by_tune = {k: np.asarray(v) for k, v in by_tune.items()}
    have = 0
    while have < count:
        n = max(64, 2 * (count - have))
        i = rng.choice(segments, n)
        j = rng.choice(segments, n)
        hard = rng.random(n) < same_tune
        for k in np.nonzero(hard)[0]:
            pool = by_tune[int(tune[i[k]])]
            j[k] = pool[rng.integers(len(pool))]
        keep = np.array([(a, b) not in successor and a != b for a, b in zip(i, j, strict=True)])
        if stat is not None:
            keep &= stat.score(e, i, j) < 0.5
        pairs = np.stack([i[keep], j[keep]], axis=1)
        out.append(pairs)
        have += len(pairs)
    return np.concatenate(out)[:count]
