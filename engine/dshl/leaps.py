"""Junction leaps as a listener hears them, in real tunes and in composed chains.

The leap at a boundary is the interval from the last note onset before it to the first onset at
or after it: a note held across the boundary is not a zero leap. In a chain, a segment that
opens on a held note of another pitch than the one sounding is struck at the boundary (that
is how chains are rendered), while the same pitch is tied over. Real tunes are measured at every
segment-length boundary (every 4 beats of duple tunes, every 2 bars of triple ones).
"""

from __future__ import annotations

import numpy as np

from engine.music.segments import ARTIC, CHORD0, LOWEST_OCTAVE, OCT0, PC0


def _pitches(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(MIDI pitch per step, -1 = rest; articulation per step) of (N, T, 29) features."""
    sounding = features[:, :, PC0:CHORD0].any(-1)
    pitch = (features[:, :, OCT0:PC0].argmax(-1) + LOWEST_OCTAVE) * 12 \
        + features[:, :, PC0:CHORD0].argmax(-1)
    return np.where(sounding, pitch, -1), features[:, :, ARTIC].astype(bool) & sounding


def heard_edges(features: np.ndarray) -> dict[str, np.ndarray]:
    """Per segment: last onset pitch, last sounding pitch, first onset pitch, held-start pitch."""
    pitch, onset = _pitches(features)
    n, steps = pitch.shape
    rows = np.arange(n)
    last_on = np.where(onset.any(1), steps - 1 - onset[:, ::-1].argmax(1), -1)
    first_on = np.where(onset.any(1), onset.argmax(1), -1)
    return {
        "last_onset": np.where(last_on >= 0, pitch[rows, np.maximum(last_on, 0)], -1),
        "last_sounding": pitch[:, -1],
        "first_onset": np.where(first_on >= 0, pitch[rows, np.maximum(first_on, 0)], -1),
        "held_start": np.where(~onset[:, 0], pitch[:, 0], -1),
    }


def heard_leaps(edges: dict[str, np.ndarray], pairs: np.ndarray) -> np.ndarray:
    """Absolute leaps (semitones) at the junctions ``pairs`` (P, 2); unmeasurable ones dropped."""
    return measured_leaps(edges, pairs)[0]


def measured_leaps(edges: dict[str, np.ndarray], pairs: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray]:
    """(leaps at the measurable junctions of ``pairs``, mask (P,) of which were measurable)."""
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    if len(pairs) == 0:
        return np.zeros(0), np.zeros(0, dtype=bool)
    a, b = pairs[:, 0], pairs[:, 1]
    before = edges["last_onset"][a]
    held = edges["held_start"][b]
    restruck = (held >= 0) & (held != edges["last_sounding"][a])
    after = np.where(restruck, held, edges["first_onset"][b])
    ok = (before >= 0) & (after >= 0)
    return np.abs(after[ok] - before[ok]).astype(float), ok


def real_pairs(sequence: np.ndarray, sequence_tune: np.ndarray, tunes: np.ndarray,
               gap: int = 2) -> np.ndarray:
    """Consecutive-segment pairs at every segment boundary (slots 0, gap, 2·gap, …) of ``tunes``."""
    out = []
    for t in tunes:
        slots = sequence[sequence_tune == t]
        for h in range(0, len(slots) - gap, gap):
            if slots[h] >= 0 and slots[h + gap] >= 0:
                out.append((slots[h], slots[h + gap]))
    return np.asarray(out, dtype=np.int64).reshape(-1, 2)


def summary(leaps: np.ndarray) -> tuple[float, float]:
    """(mean leap, share of leaps ≤ 2 semitones)."""
    if len(leaps) == 0:
        return 0.0, 0.0
    return float(leaps.mean()), float(np.mean(leaps <= 2))


def chain_pairs(col, allowed: np.ndarray, mode: str, chains: int, length: int = 8,
                temperature: float | None = None, reuse_limit: int = 2) -> np.ndarray:
    """Junction pairs of ``chains`` chains (seeds 0..chains-1) drawn only from ``allowed``
    segments, each chain in the meter of its opening; same rules as the composer."""
    from engine.dshl.composer import choose_next

    corpus = col.corpus
    meters = corpus.segment_meter()
    pairs = []
    for seed in range(chains):
        rng = np.random.default_rng(seed)
        openings = np.nonzero(allowed & (corpus.position == 0) & (corpus.phase == 0))[0]
        if len(openings) == 0:
            openings = np.nonzero(allowed)[0]
        if len(openings) == 0:
            break
        first = int(rng.choice(openings))
        ok = allowed & corpus.mask(str(meters[first]))
        ok[first] = False
        used = {int(corpus.tune[first]): 1}
        ids = [first]
        for position in range(1, length):
            pick = choose_next(col, ids[-1], rng, mode, ok, position == length - 1, True,
                               temperature=temperature)
            if pick is None:
                break
            ids.append(pick.id)
            ok[pick.id] = False
            t = int(corpus.tune[pick.id])
            used[t] = used.get(t, 0) + 1
            if used[t] >= reuse_limit:
                ok &= corpus.tune != t
        pairs.extend(zip(ids[:-1], ids[1:], strict=False))
    return np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
