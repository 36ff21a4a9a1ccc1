"""Key finding (Krumhansl-Schmuckler) on segment features, in numpy, and tonic endings.

The key of a melody is the one of the 24 major and minor keys whose Krumhansl-Kessler profile
correlates best with the melody's duration-weighted pitch-class histogram (every sixteenth step
on which a melody pitch class sounds counts once). A piece *ends on the tonic* when the last
note struck in its last block has the pitch class of that key's tonic. Features are the 29-bit
steps of :mod:`engine.music.segments` (pitch class one-hot at ``PC0:CHORD0``).
"""

from __future__ import annotations

import numpy as np

from engine.music.segments import ARTIC, CHORD0, PC0

# Krumhansl & Kessler (1982) probe-tone profiles, tonic first.
MAJOR_PROFILE = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
MINOR_PROFILE = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])


def _profiles() -> np.ndarray:
    """(24, 12) z-scored profiles: rows 0..11 major on tonic 0..11, rows 12..23 minor."""
    rows = [np.roll(MAJOR_PROFILE, t) for t in range(12)] + \
           [np.roll(MINOR_PROFILE, t) for t in range(12)]
    table = np.asarray(rows, dtype=float)
    table -= table.mean(1, keepdims=True)
    return table / np.linalg.norm(table, axis=1, keepdims=True)


PROFILES = _profiles()


def pitch_histogram(features: np.ndarray) -> np.ndarray:
    """Duration-weighted melody pitch-class histogram (12,) of (…, steps, 29) features."""
    pcs = np.asarray(features)[..., PC0:CHORD0].reshape(-1, 12)
    return pcs.sum(0).astype(float)


def find_key(histogram: np.ndarray) -> tuple[int, bool, float]:
    """(tonic pitch class, is minor, correlation) of the best-fitting key; (0, False, 0.0) for an
    empty or flat histogram."""
    h = np.asarray(histogram, dtype=float)
    h = h - h.mean()
    norm = np.linalg.norm(h)
    if norm == 0:
        return 0, False, 0.0
    r = PROFILES @ (h / norm)
    best = int(np.argmax(r))
    return best % 12, best >= 12, float(r[best])


def last_onset_pc(features: np.ndarray) -> np.ndarray:
    """Pitch class of the last note struck in each segment of (N, steps, 29) features (-1: none).

    A segment that only holds a note over (no onset) gives that sounding note's pitch class."""
    f = np.asarray(features)
    sounding = f[:, :, PC0:CHORD0].any(-1)
    onset = f[:, :, ARTIC].astype(bool) & sounding
    steps = f.shape[1]
    pcs = f[:, :, PC0:CHORD0].argmax(-1)
    rows = np.arange(len(f))
    last_on = np.where(onset.any(1), steps - 1 - onset[:, ::-1].argmax(1), -1)
    last_sound = np.where(sounding.any(1), steps - 1 - sounding[:, ::-1].argmax(1), -1)
    step = np.where(last_on >= 0, last_on, last_sound)
    return np.where(step >= 0, pcs[rows, np.maximum(step, 0)], -1)


def ends_on_tonic(blocks: np.ndarray) -> bool | None:
    """Whether a piece given as its blocks (B, steps, 29), in order, ends on its key's tonic
    (None when it has no note)."""
    hist = pitch_histogram(blocks)
    if hist.sum() == 0:
        return None
    tonic, _, _ = find_key(hist)
    last = int(last_onset_pc(np.asarray(blocks)[-1:])[0])
    if last < 0:
        return None
    return last == tonic
