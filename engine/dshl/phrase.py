"""Start a composition from the user's own phrase: find the segment closest to a MIDI phrase."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from engine.music.midi_import import read_midi
from engine.music.segments import STEPS, encode, to_grid
from engine.music.tune import ImportProblem


def phrase_features(path: str | Path, vocab: list[str]) -> np.ndarray:
    """Return the (16, 29) features of the first 4 beats of the phrase in ``path`` (in C)."""
    grid = to_grid(read_midi(path))
    feats = encode(grid, vocab)
    if len(feats) < STEPS:
        feats = np.concatenate([feats, np.zeros((STEPS - len(feats), feats.shape[1]), np.uint8)])
    return feats[:STEPS]


def closest_segment(path: str | Path, collection: str = "nottingham") -> int:
    """Id of the segment of ``collection`` whose features differ least from the phrase's start."""
    from engine.dshl import store

    col = store.load_collection(collection)
    try:
        target = phrase_features(path, col.loaded.vocab)
    except ImportProblem as exc:
        raise ValueError(f"{path}: {exc}") from exc
    diff = (col.corpus.features != target[None]).reshape(len(col.corpus), -1).sum(1)
    return int(np.argmin(diff))
