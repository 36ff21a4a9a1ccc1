"""`segue eval lyrics`: equal-data baseline, bootstrap interval, JSON contract, text fingerprints."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engine.lyrics.bundled import train_bundled
from engine.lyrics.evaluate import (
    EqualDataBaseline,
    TrainingTextMismatch,
    bootstrap_gain,
    evaluate_bundled,
    song_sums,
)
from engine.lyrics.mixture import load_weights, save_weights
from engine.lyrics.model import CharLSTMConfig
from engine.lyrics.newartist import NEW_ARTIST, loo_splits, new_artist_texts, train_new_artist_check
from engine.lyrics.vocab import shared_vocabulary
from engine.lyrics.writer_splits import base_text, bundled_splits, lstm_training_texts
from tests.engine.lyrics.helpers import make_assets


@pytest.fixture()
def assets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = make_assets(tmp_path, slugs=())
    monkeypatch.setenv("SEGUE_ASSETS", str(folder))
    return folder


def test_equal_data_baseline_sees_exactly_the_lstm_training_text(assets: Path) -> None:
    splits = bundled_splits()
    dickinson = next(s for s in splits if s.slug == "emily_dickinson")
    texts = lstm_training_texts(splits, "emily_dickinson")
    assert texts == [base_text(splits)[0], dickinson.train]
    assert "".join(s.base_part for s in splits) == texts[0]
    loo = loo_splits()
    assert new_artist_texts(loo)[0] == "".join(s.texts()[0] for k, s in loo.items() if k != NEW_ARTIST)
    baseline = EqualDataBaseline(shared_vocabulary(), texts, dickinson.train)
    assert baseline.all._tables[0][1].sum() == len(texts[0]) + len(texts[1])
    assert baseline.own._tables[0][1].sum() == len(dickinson.train)
    baseline.tune(dickinson.selection)
    assert 2 <= min(baseline.orders) and 0.0 <= baseline.weight <= 1.0
    assert len(baseline.char_nlls(dickinson.test)) == len(dickinson.test)


def test_bootstrap_interval_and_song_sums() -> None:
    base = np.array([10.0, 20.0, 30.0, 40.0])
    assert bootstrap_gain(base * 0.9, base) == (pytest.approx(0.1), pytest.approx(0.1))
    lo, hi = bootstrap_gain(np.array([9.0, 10.0, 30.0, 30.0]), base)
    assert lo < 1 - 79 / 100 < hi
    sums = song_sums("ab\n\ncde\n\n", np.ones(9))
    assert list(sums) == [4.0, 5.0]


def test_eval_contract_then_refuses_a_baseline_on_other_text(assets: Path) -> None:
    tiny = CharLSTMConfig(embed_dim=8, hidden_size=16, num_layers=1, dropout=0.0)
    train_bundled(only=["emily_dickinson", "robert_burns"], model_config=tiny, max_epochs=1)
    assert set(load_weights(assets / "models" / "lyrics")) == {"emily_dickinson", "robert_burns"}
    check = train_new_artist_check(assets / "models" / "lyrics", model_config=tiny, max_epochs=1)
    assert set(check) == {"base", NEW_ARTIST}
    results = evaluate_bundled(lines=4)
    row = results["emily_dickinson"]
    for key in ("model", "lstm", "ngram5", "ngram_equal", "ngram_kn", "ngram_kn_orders", "ci95",
                "lstm_vs_kn", "model_vs_equal", "bits", "meets_target", "meets_aim"):
        assert key in row
    assert row["mixture"]["weights_from"] == "mixture.json"
    assert row["ci95"][0] <= row["gain"] <= row["ci95"][1]
    assert row["gain"] == pytest.approx(1 - row["model"] / row["ngram_kn"], rel=1e-3, abs=1e-3)
    assert row["bits"]["ngram_kn"] == pytest.approx(row["ngram_kn"] / np.log(2), abs=2e-3)
    assert all(5 <= n <= 9 for n in row["ngram_kn_orders"])
    pair = results["duets"]["pairs"]["robert_burns+emily_dickinson"]
    for key in ("fluency", "function_word_endings", "writers_function_word_endings", "rhyme_rate",
                "syllable_error", "word_validity"):
        assert key in pair and key in results["duets"]["overall"]
    assert pair["generated_lines"] == 4 and 0.0 <= pair["word_validity"] <= 1.0
    new = results["new_artist"]
    assert new["writer"] == NEW_ARTIST and new["lstm"] > 0 and new["ngram_equal"] > 0
    assert NEW_ARTIST not in results  # the check model is not a bundled artist
    burns = assets / "lyrics" / "robert_burns.txt"  # a base writer's text changes after training
    burns.write_text(burns.read_text(encoding="utf-8").replace("the", "thy"), encoding="utf-8")
    with pytest.raises(TrainingTextMismatch, match="trained on text"):
        evaluate_bundled(lines=0)


def test_eval_tunes_on_selection_when_the_stored_weights_are_stale(assets: Path) -> None:
    tiny = CharLSTMConfig(embed_dim=8, hidden_size=16, num_layers=1, dropout=0.0)
    train_bundled(only=["emily_dickinson"], model_config=tiny, max_epochs=1)
    folder = assets / "models" / "lyrics"
    weights = load_weights(folder)
    weights["emily_dickinson"].model_sha = "0" * 16
    save_weights(folder, weights)
    row = evaluate_bundled(lines=0)["emily_dickinson"]
    assert row["mixture"]["weights_from"] == "selection songs, now"


def test_mixture_tuning_reads_selection_songs_only(assets: Path) -> None:
    """Changing the test songs changes nothing that is tuned: KN orders, own weight, mixture."""
    from engine.lyrics.mixture_tune import tune_bundled

    tiny = CharLSTMConfig(embed_dim=8, hidden_size=16, num_layers=1, dropout=0.0)
    train_bundled(only=["emily_dickinson"], model_config=tiny, max_epochs=1)
    before = tune_bundled(only=["emily_dickinson"])["emily_dickinson"]
    dickinson = next(s for s in bundled_splits() if s.slug == "emily_dickinson")
    song = dickinson.test.split("\n\n")[0]
    path = assets / "lyrics" / "emily_dickinson.txt"
    text = path.read_text(encoding="utf-8")
    assert text.count(song) == 1
    path.write_text(text.replace(song, song.swapcase()), encoding="utf-8")
    changed = next(s for s in bundled_splits() if s.slug == "emily_dickinson")
    assert changed.test != dickinson.test and changed.selection == dickinson.selection
    after = tune_bundled(only=["emily_dickinson"])["emily_dickinson"]
    assert after == before
