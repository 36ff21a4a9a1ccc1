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


def test_eval_contract_on_a_tiny_set(monkeypatch: pytest.MonkeyPatch, segue_home: Path) -> None:
    monkeypatch.setattr(evaluate, "PER_LABEL", 2)
    monkeypatch.setattr(evaluate, "CLIP_SECONDS", 6.0)
    monkeypatch.setattr(evaluate, "GROOVE_MIN_PER_STYLE", 1000)  # no drums: keep it quick
    report = evaluate.evaluate_playlist()
    assert set(report) >= {"precision_at_10", "tracks", "labels", "artist_filter"}
    assert report["artist_filter"] is True
    assert set(report["precision_at_10"]) == {"segue", "random"}
    assert 0.0 <= report["precision_at_10"]["random"] <= 1.0
    assert 0.0 <= report["precision_at_10"]["segue"] <= 1.0
    assert report["tracks"] == 8 and report["labels"] == ["jig", "reel", "slip jig", "waltz"]
    assert report["with_hornpipes"]["tracks"] == 10
    assert (segue_home / "cache" / "library-eval" / "eval.sqlite").is_file()
    again = evaluate.evaluate_playlist()  # cached renders and library: same answer
    assert again["precision_at_10"] == report["precision_at_10"]
