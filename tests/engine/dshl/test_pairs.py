"""The corpus of the test tunes, the Eq. 6–8 statistic and the negative filter."""

from __future__ import annotations

import numpy as np

from engine.dshl.corpus import build_corpus, load_grids, music_files
from engine.dshl.pairs import edges, sample_negatives, transition_stat
from tests.engine.dshl.conftest import DATA


def _corpus():
    grids, skipped = load_grids(music_files(DATA), major_only=True, family="duple")
    return build_corpus(grids, skipped=skipped)


def test_corpus_from_test_tunes() -> None:
    corpus = _corpus()
    assert len(corpus.tunes) == 8  # morris2 (4/4 with a 6/8 passage) now keeps its 4/4 windows
    assert dict(corpus.skipped) == {"jigs1": "meter 6/8 belongs to the triple collection"}
    assert corpus.meters.count("4/4") == 8 and set(corpus.modes) == {"major"}
    assert any(reason.startswith("meter change to 6/8") for reason in corpus.dropped)
    assert corpus.features.shape[1:] == (16, 29)
    # every junction joins two segments of the same tune
    assert (corpus.tune[corpus.junctions[:, 0]] == corpus.tune[corpus.junctions[:, 1]]).all()
    assert corpus.ends.sum() >= 7 - 1


def test_successors_score_higher_than_random_pairs() -> None:
    corpus = _corpus()
    e = edges(corpus.features)
    stat = transition_stat(e, corpus.junctions, np.arange(len(corpus)))
    pos = stat.score(e, corpus.junctions[:, 0], corpus.junctions[:, 1])
    rng = np.random.default_rng(0)
    i, j = rng.integers(len(corpus), size=(2, 2000))
    assert pos.mean() > stat.score(e, i, j).mean() + 0.1
    assert ((stat.chord > 0) & (stat.chord < 1)).all()


def test_negative_filter_drops_likely_positives() -> None:
    corpus = _corpus()
    e = edges(corpus.features)
    stat = transition_stat(e, corpus.junctions, np.arange(len(corpus)))
    successor = {(int(a), int(b)) for a, b in corpus.junctions}
    rng = np.random.default_rng(1)
    segs = np.arange(len(corpus))
    neg = sample_negatives(rng, segs, corpus.tune, successor, stat, e, 500, same_tune=0.5)
    assert len(neg) == 500
    assert (stat.score(e, neg[:, 0], neg[:, 1]) < 0.5).all()
    assert not any((int(a), int(b)) in successor for a, b in neg)
    unfiltered = sample_negatives(rng, segs, corpus.tune, successor, None, e, 500)
    assert (stat.score(e, unfiltered[:, 0], unfiltered[:, 1]) >= 0.5).any()
