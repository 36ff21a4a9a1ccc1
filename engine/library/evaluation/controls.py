"""Precision@10 with an artist filter, the eval's controls, and bootstrap intervals over tunes.

Controls are the strongest simple answers computed in the same run on the same tracks:

* ``time_signature`` and ``program`` (synthetic set) — the MIDI metre and the General MIDI
  program the render used (one-hot): they decide the ``dance`` and ``timbre`` labels;
* ``tempo`` and ``duration`` — the scanner's measured tempo and the file's length (1-D);
* ``loudness`` and ``spectral_shape`` (real recordings) — loudness mean and range; zero-crossing
  rate, spectral centroid, rolloff and flatness, mean and deviation (standardised);
* ``raw_features`` — the analysis vector standardised on the fit split, no learned embedding;
* ``random`` — the exact expectation of 10 random candidates.

Ties (every track of a one-metre family has the same time signature) are broken at random, so
a constant control scores like random instead of like file order.
"""

from __future__ import annotations

import numpy as np

K = 10
BOOTSTRAP = 1000
CONTROL_NAMES = ("time_signature", "program", "tempo", "duration", "raw_features")
REAL_CONTROLS = ("tempo", "duration", "loudness", "spectral_shape", "raw_features")


def standardise(features: np.ndarray, fit: np.ndarray) -> np.ndarray:
    """Z-score ``features`` with the mean and deviation of the ``fit`` rows (clipped to ±5)."""
    data = np.asarray(features, dtype=np.float64)
    reference = data[fit] if np.any(fit) else data
    mean, std = reference.mean(axis=0), reference.std(axis=0)
    return np.clip((data - mean) / np.where(std > 1e-9, std, 1.0), -5.0, 5.0)


def one_hot(values: list[object]) -> np.ndarray:
    """One column per distinct value (sorted by text), 1 where a row has it."""
    names = sorted({str(v) for v in values})
    matrix = np.zeros((len(values), max(1, len(names))))
    for row, value in enumerate(values):
        matrix[row, names.index(str(value))] = 1.0
    return matrix


def control_vectors(metres: list[str], tempos: np.ndarray, durations: np.ndarray,
                    features: np.ndarray, fit: np.ndarray,
                    programs: list[int | None] | None = None) -> dict[str, np.ndarray]:
    """The vectors of every synthetic-set control (rows aligned with the tracks)."""
    controls = {
        "time_signature": one_hot(metres),
        "tempo": np.asarray(tempos, dtype=np.float64)[:, None],
        "duration": np.asarray(durations, dtype=np.float64)[:, None],
        "raw_features": standardise(features, fit),
    }
    if programs is not None:
        controls["program"] = one_hot(["file" if p is None else int(p) for p in programs])
    return controls


def real_control_vectors(tempos: np.ndarray, durations: np.ndarray, features: np.ndarray,
                         fit: np.ndarray) -> dict[str, np.ndarray]:
    """The controls of the real-recordings eval (:data:`REAL_CONTROLS`)."""
    from engine.library.analysis.features import FEATURE_NAMES

    def columns(*names: str) -> np.ndarray:
        index = [FEATURE_NAMES.index(n) for n in names]
        return standardise(np.asarray(features)[:, index], fit)

    return {
        "tempo": np.asarray(tempos, dtype=np.float64)[:, None],
        "duration": np.asarray(durations, dtype=np.float64)[:, None],
        "loudness": columns("loudness_mean", "loudness_std"),
        "spectral_shape": columns("zcr_mean", "zcr_std", "centroid_mean", "centroid_std",
                                  "rolloff_mean", "rolloff_std", "flatness_mean",
                                  "flatness_std"),
        "raw_features": standardise(features, fit),
    }


def query_precisions(vectors: np.ndarray, labels: list[str], artists: list[str], k: int = K,
                     seed: int = 0, queries: np.ndarray | None = None,
                     need_match: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Per-query precision@k (artist filter on) and its random expectation (NaN: not a query).

    ``queries``: the rows that are queries (default: all); every row is a candidate of the
    others. ``need_match``: skip a query with no same-label candidate (a one-track soundtrack).
    """
    vectors = np.asarray(vectors, dtype=np.float64)
    labels_arr, artists_arr = np.asarray(labels), np.asarray(artists)
    sq = (vectors**2).sum(axis=1)
    distances = np.maximum(sq[:, None] + sq[None, :] - 2.0 * vectors @ vectors.T, 0.0)
    distances = np.round(distances, 9)  # equal vectors tie exactly
    tiebreak = np.random.default_rng(seed).random(len(vectors))
    scores = np.full(len(vectors), np.nan)
    randoms = np.full(len(vectors), np.nan)
    for i in (range(len(vectors)) if queries is None else np.asarray(queries).tolist()):
        candidates = np.flatnonzero(artists_arr != artists_arr[i])
        if len(candidates) == 0:
            continue
        if need_match and not np.any(labels_arr[candidates] == labels_arr[i]):
            continue
        order = np.lexsort((tiebreak[candidates], distances[i, candidates]))
        nearest = candidates[order[:k]]
        scores[i] = float(np.mean(labels_arr[nearest] == labels_arr[i]))
        randoms[i] = float(np.mean(labels_arr[candidates] == labels_arr[i]))
    return scores, randoms


def precision_at_k(vectors: np.ndarray, labels: list[str], artists: list[str], k: int = K
                   ) -> tuple[float, float, dict[str, float]]:
    """Mean precision@k with an artist filter, its random expectation, and the per-label means."""
    scores, randoms = query_precisions(vectors, labels, artists, k)
    ok = ~np.isnan(scores)
    labels_arr = np.asarray(labels)
    per_label = {label: float(np.mean(scores[ok & (labels_arr == label)]))
                 for label in sorted(set(labels)) if np.any(ok & (labels_arr == label))}
    if not np.any(ok):
        return 0.0, 0.0, per_label
    return float(np.mean(scores[ok])), float(np.mean(randoms[ok])), per_label


def bootstrap_interval(scores: np.ndarray, groups: list[str], rounds: int = BOOTSTRAP,
                       seed: int = 0) -> tuple[float, float]:
    """95 % interval of the mean of ``scores`` resampling whole groups (tunes) with replacement."""
    scores = np.asarray(scores, dtype=np.float64)
    ok = ~np.isnan(scores)
    names = sorted({g for g, keep in zip(groups, ok, strict=True) if keep})
    if not names:
        return 0.0, 0.0
    index = {g: i for i, g in enumerate(names)}
    member = np.asarray([index[g] for g, keep in zip(groups, ok, strict=True) if keep])
    sums = np.bincount(member, weights=scores[ok], minlength=len(names))
    counts = np.bincount(member, minlength=len(names)).astype(np.float64)
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(names), (rounds, len(names)))
    means = sums[draws].sum(axis=1) / np.maximum(counts[draws].sum(axis=1), 1.0)
    low, high = np.percentile(means, [2.5, 97.5])
    return float(low), float(high)
