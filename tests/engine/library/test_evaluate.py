"""The eval's metric, controls, splits, labelled set and JSON contract (the full run is
`segue eval playlist`; here a tiny set with short renders)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

from engine.library.evaluation import controls as eval_controls
from engine.library.evaluation import nonmusic as eval_nonmusic
from engine.library.evaluation import options as eval_options
from engine.library.evaluation import run as evaluate
from engine.library.evaluation import synthetic as eval_sets


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


def test_a_constant_control_scores_like_random_not_like_file_order() -> None:
    # labels in file order: a tie broken by order would retrieve the same label every time
    labels = ["a"] * 50 + ["b"] * 50
    artists = [str(i) for i in range(100)]
    scores, randoms = eval_controls.query_precisions(np.zeros((100, 1)), labels, artists)
    assert abs(float(np.mean(scores)) - float(np.mean(randoms))) < 0.1


def test_bootstrap_interval_resamples_groups() -> None:
    scores = np.asarray([1.0, 1.0, 0.0, 0.0, 0.5, 0.5])
    low, high = eval_controls.bootstrap_interval(scores, ["t1", "t1", "t2", "t2", "t3", "t3"])
    assert 0.0 <= low < 0.5 < high <= 1.0
    same = eval_controls.bootstrap_interval(np.full(6, 0.3), ["a", "b", "c"] * 2)
    assert same == pytest.approx((0.3, 0.3))


def test_labelled_set_families_metres_and_grouped_splits() -> None:
    tunes = eval_sets.labelled_set()
    families = defaultdict(set)
    for tune in tunes:
        families[tune.family].add(tune.label)
    assert {"jig", "reel", "waltz", "hornpipe", "slip jig"} <= families["dance"]
    assert families["timbre"] == set(eval_sets.TIMBRE_FAMILIES)
    assert len(families["drums"]) >= 4
    # the one-metre families really share one metre; the dance family does not
    assert {t.metre for t in tunes if t.family in ("timbre", "drums")} == {"4/4"}
    assert len({t.metre for t in tunes if t.family == "dance"}) >= 3
    # a group (tune or drum file) never straddles two splits; every family has a test side
    split_of: dict[str, set[str]] = defaultdict(set)
    for tune in tunes:
        split_of[tune.group].add(tune.split)
    assert all(len(s) == 1 for s in split_of.values())
    for family in ("dance", "timbre", "drums"):
        assert {t.split for t in tunes if t.family == family} >= {"selection", "test"}
    # more than one sound per label, drummer-disjoint styles have several drummers
    if eval_sets.second_soundfont() is not None:
        assert {t.soundfont for t in tunes if t.label == "piano"} == {"timgm", "fluid"}
    drummers = defaultdict(set)
    for tune in tunes:
        if tune.family == "drums":
            drummers[tune.label].add(tune.artist)
    assert min(len(d) for d in drummers.values()) >= eval_sets.DRUM_MIN_DRUMMERS
    assert all(Path(t.midi).is_file() for t in tunes)
    assert len({t.name for t in tunes}) == len(tunes)


def test_render_is_looped_past_the_excerpt_length(tmp_path: Path) -> None:
    import soundfile as sf

    tune = next(t for t in eval_sets.labelled_set(2, 1, drums=False) if t.family == "timbre")
    out = eval_sets.render_tune(tune, str(tmp_path / "one.flac"))
    audio, rate = sf.read(out)
    assert rate == 22050 and eval_sets.MIN_SECONDS <= len(audio) / rate
    assert len(audio) / rate <= eval_sets.MAX_SECONDS + 5
    assert np.abs(audio).max() > 0.1


def test_missing_second_soundfont_degrades_with_a_message(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(eval_sets, "SECOND_SOUNDFONT_PATHS", ("/nonexistent/none.sf2",))
    monkeypatch.delenv(eval_sets.SOUNDFONT_ENV, raising=False)
    assert "fluid-soundfont-gm" in (eval_sets.soundfont_warning() or "")
    tunes = eval_sets.labelled_set(3, 2, drums=False)
    assert {t.soundfont for t in tunes} == {"timgm"}
    assert len({t.name for t in tunes}) == len(tunes)


def test_non_music_threshold_choice_is_held_out() -> None:
    music = [eval_nonmusic.Sample(0.5, 0.3, False, f"m{i}", "clip") for i in range(4)]
    speech = [eval_nonmusic.Sample(0.05, 0.1, True, f"s{i}", "clip") for i in range(3)]
    weight, threshold = eval_nonmusic.choose(music + speech)
    flagged = eval_nonmusic.flags(music + speech, weight, threshold)
    assert flagged.tolist() == [False] * 4 + [True] * 3


def test_eval_contract_on_a_tiny_set(monkeypatch: pytest.MonkeyPatch, segue_home: Path) -> None:
    monkeypatch.setattr(eval_sets, "MIN_SECONDS", 6.0)
    monkeypatch.setattr(eval_sets, "MAX_SECONDS", 8.0)
    monkeypatch.setattr(eval_options, "SPECTROGRAM_SECONDS", 3.0)  # a contract, not a model
    # one SoundFont (loading the 148 MB second one per render would dominate): the degraded mode
    monkeypatch.setattr(eval_sets, "SECOND_SOUNDFONT_PATHS", ("/nonexistent/none.sf2",))
    monkeypatch.delenv(eval_sets.SOUNDFONT_ENV, raising=False)
    report = evaluate.evaluate_playlist(dance_per_label=5, timbre_tunes=5, drums=False)
    assert any("SoundFont" in w for w in report["warnings"])
    assert set(report) >= {"precision_at_10", "tracks", "labels", "artist_filter", "controls",
                           "by_family", "embedding", "non_music", "with_hornpipes"}
    assert report["artist_filter"] is True
    assert set(report["precision_at_10"]) == {"segue", "random"}
    assert set(report["controls"]) == {*eval_controls.CONTROL_NAMES, "random"}
    assert set(report["by_family"]) == {"dance", "timbre"}
    for family in report["by_family"].values():
        assert {"segue", "best_control", "random", "one_metre"} <= set(family)
        assert 0.0 <= family["random"] <= 1.0 and 0.0 <= family["segue"] <= 1.0
    assert report["by_family"]["timbre"]["one_metre"] is True
    assert report["by_family"]["dance"]["one_metre"] is False
    assert {"features", "raw_features"} <= set(report["embedding"])
    assert set(report["embedding"]["features"]) == {"dance", "timbre", "overall"}
    assert {"precision", "recall"} <= set(report["non_music"])
    assert report["labels"] == sorted([*eval_sets.TIMBRE_FAMILIES, "jig", "reel", "slip jig",
                                       "waltz"])
    assert (segue_home / "cache" / "library-eval" / "eval.sqlite").is_file()
    again = evaluate.evaluate_playlist(dance_per_label=5, timbre_tunes=5, drums=False,
                                       non_music=False)
    assert again["precision_at_10"] == report["precision_at_10"]  # cached renders: same answer
