"""Junction leaps measured as heard: a held note is not a zero leap."""

from __future__ import annotations

import numpy as np

from engine.dshl.leaps import heard_edges, heard_leaps, real_pairs, summary
from engine.music.segments import encode, to_grid
from engine.music.tune import Note, Tune

VOCAB = ["C"]


def _segment(notes: list[tuple[float, float, int]]) -> np.ndarray:
    return encode(to_grid(Tune("s", [Note(*n) for n in notes])), VOCAB)[:16]


def test_leaps_as_heard() -> None:
    a = _segment([(0, 1, 60), (1, 3, 67), (3, 5, 72)])  # C4 G4 C5, the C5 held into the next bar
    tied = _segment([(0, 1, 72), (1, 4, 76)])  # opens on the held C5 (tied), then E5
    tied[0, 0] = 0  # no articulation at step 0: the note carries on
    struck = _segment([(0, 2, 74), (2, 4, 76)])
    struck[0, 0] = 0  # held D5: another pitch than the sounding C5, so it is struck
    edges = heard_edges(np.stack([a, tied, struck]))
    leaps = heard_leaps(edges, np.array([[0, 1], [0, 2]]))
    assert list(leaps) == [4.0, 2.0]  # C5 -> E5 (not 0), C5 -> D5
    assert summary(leaps) == (3.0, 0.5)


def test_real_pairs_every_segment_boundary() -> None:
    sequence = np.array([0, 1, 2, 3, -1, 4, 5, 6, 7])
    tunes = np.array([0, 0, 0, 0, 0, 0, 1, 1, 1])
    assert real_pairs(sequence, tunes, np.array([0])).tolist() == [[0, 2]]  # slots 0->2, 2->4 gone
    assert real_pairs(sequence, tunes, np.array([0, 1])).tolist() == [[0, 2], [5, 7]]
