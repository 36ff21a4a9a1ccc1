"""The eval's metric and labelled set (the full render runs in `segue eval playlist`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engine.library import evaluate


def test_precision_with_artist_filter_and_exact_random() -> None:
    # two labels, two artists each; vectors cluster by label
    labels = ["a"] * 6 + ["b"] * 6
    artists = ["x", "y"] * 6
    vectors = np.asarray([[0.0 + i * 0.01] for i in range(6)] + [[10.0 + i * 0.01]
                                                                  for i in range(6)])
    segue, random, per_label = evaluate.precision_at_k(vectors, labels, artists, k=3)
    assert segue == pytest.approx(1.0)
    assert random == pytest.approx(3 / 6)  # of 6 other-artist tracks, 3 share the label
    assert per_label == {"a": 1.0, "b": 1.0}


def test_artist_filter_ignores_same_artist_neighbours() -> None:
    labels, artists = ["a", "a", "b", "a"], ["x", "x", "y", "z"]
    vectors = np.asarray([[0.0], [0.1], [5.0], [0.2]])
    segue, _, _ = evaluate.precision_at_k(vectors, labels, artists, k=1)
    # track 0's nearest is track 1 (same artist, filtered out), so track 3 is retrieved (a: hit);
    # track 2 ("b") only has "a" tracks by other artists: a miss
    assert segue == pytest.approx(3 / 4)


def test_labelled_set_composition() -> None:
    tunes = evaluate.labelled_set()
    labels = {t.label for t in tunes}
    assert {"jig", "reel", "waltz", "hornpipe", "slip jig"} <= labels
    assert any(label.startswith("drums: ") for label in labels)
    jigs = [t for t in tunes if t.label == "jig"]
    assert len(jigs) == evaluate.PER_LABEL
    assert {t.artist for t in jigs} == set(evaluate.INSTRUMENTS)
    assert all(Path(t.midi).is_file() for t in tunes)
    assert len({t.name for t in tunes}) == len(tunes)


def test_render_one_tune(tmp_path: Path) -> None:
    import soundfile as sf

    tune = evaluate.labelled_set()[0]
    out = evaluate.render_tune(tune, str(tmp_path / "one.flac"))
    audio, rate = sf.read(out)
    assert rate == 22050 and 5 < len(audio) / rate <= evaluate.CLIP_SECONDS + 1
    assert np.abs(audio).max() > 0.1
