"""Start a composition from the user's own phrase: find the segment closest to a MIDI phrase."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from engine.music.midi_import import read_midi
from engine.music.segments import STEPS, encode, meter_family, to_grid
from engine.music.tune import ImportProblem


def phrase_features(path: str | Path, vocab: list[str], steps: int = STEPS) -> np.ndarray:
    """Return the (steps, 29) features of the start of the phrase in ``path`` (in C / A minor)."""
    grid = to_grid(read_midi(path))
    feats = encode(grid, vocab)
    if len(feats) < steps:
        feats = np.concatenate([feats, np.zeros((steps - len(feats), feats.shape[1]), np.uint8)])
    return feats[:steps]


def closest_segment(path: str | Path, collection: str = "nottingham", meter: str = "4/4") -> int:
    """Id of the segment of ``collection`` (tunes of ``meter``'s family) whose features differ
    least from the phrase's start."""
    from engine.dshl import store

    try:
        col = store.load_collection(collection, meter_family(meter))
        target = phrase_features(path, col.loaded.vocab, col.corpus.steps)
    except ImportProblem as exc:
        raise ValueError(f"{path}: {exc}") from exc
    diff = (col.corpus.features != target[None]).reshape(len(col.corpus), -1).sum(1)
    diff = np.where(col.corpus.mask(meter), diff, diff.max() + 1)
    return int(np.argmin(diff))
