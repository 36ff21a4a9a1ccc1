"""Installed artists, training a user artist, evaluation, and the `segue lyrics` commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.cli import main
from engine.lyrics import artists
from engine.lyrics.model import CharLSTMConfig
from engine.lyrics.train import TrainConfig
from tests.engine.lyrics.helpers import SAMPLE, make_assets


@pytest.fixture()
def assets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = make_assets(tmp_path)
    monkeypatch.setenv("SEGUE_ASSETS", str(folder))
    return folder


def test_bundled_artists_are_listed_and_found(assets: Path) -> None:
    found = artists.list_artists()
    assert [a.slug for a in found] == ["robert_burns", "emily_dickinson"]
    assert artists.find_artist("burns").name == "Robert Burns"
    assert artists.find_artist("Emily Dickinson").slug == "emily_dickinson"
    with pytest.raises(LookupError, match="'watts' is not installed"):
        artists.find_artist("watts")
    with pytest.raises(LookupError, match="ambiguous"):
        artists.find_artist("n")


def test_train_user_artist_installs_it(assets: Path, segue_home: Path) -> None:
    config = TrainConfig(seq_len=32, batch_size=8, max_epochs=1)
    small = CharLSTMConfig(embed_dim=8, hidden_size=16, num_layers=1)
    info = artists.train_artist("My Band", [SAMPLE], config=config, model_config=small)
    assert info.path == segue_home / "models" / "lyrics" / "my_band.pt"
    assert info.metrics["origin"] == "trained from scratch"  # no base model in the fake assets
    assert artists.find_artist("my band").metrics["origin"] == "trained from scratch"
    assert artists.find_artist("my band").path == info.path
    assert artists.load("my_band").name == "My Band"


def test_cli_artists_json(assets: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lyrics", "artists", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [a["name"] for a in listed] == ["Robert Burns", "Emily Dickinson"]
    assert listed[0]["metrics"]["val_nats_per_char"] == 4.0


def test_cli_duet_json_alternates(assets: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lyrics", "duet", "burns", "dickinson", "--lines", "4", "--seed", "1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [line["artist"] for line in out["lines"]] == ["Robert Burns", "Emily Dickinson"] * 2
    assert all(isinstance(line["text"], str) and line["text"] for line in out["lines"])
    assert main(["lyrics", "duet", "burns", "dickinson", "--lines", "4", "--seed", "1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == out


def test_cli_unknown_artist_is_a_clean_error(assets: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lyrics", "duet", "burns", "nobody"]) == 2
    assert "artist 'nobody' is not installed" in capsys.readouterr().err


def test_cli_train_rejects_an_empty_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    assert main(["lyrics", "train", "Nobody", str(empty)]) == 2
    assert "empty.txt: the file is empty" in capsys.readouterr().err


def test_eval_refuses_models_not_trained_on_the_current_splits(
        assets: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "lyrics", "--json", "--lines", "0"]) == 2
    err = capsys.readouterr().err
    assert "robert_burns.pt: trained on text" in err and "train-bundled --force" in err


def test_cli_duet_sung_to_a_melody(assets: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.engine.lyrics.test_melody import _melody

    tune = _melody(tmp_path / "tune.mid", [60, 62, 64, 65])
    out = tmp_path / "sung.mid"
    code = main(["lyrics", "duet", "burns", "dickinson", "--lines", "2", "--json",
                 "--melody", str(tune), "--midi", str(out)])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert result["midi"]["path"] == str(out) and out.exists()
    assert result["midi"]["notes"] == 4


def test_cli_duet_bad_melody_is_a_clean_error(assets: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.mid"
    bad.write_bytes(b"not midi")
    assert main(["lyrics", "duet", "burns", "dickinson", "--lines", "2", "--melody", str(bad)]) == 2
    assert "bad.mid" in capsys.readouterr().err


def test_new_artist_is_fine_tuned_from_the_base_model(assets: Path) -> None:
    from engine.lyrics.model import load_artist, save_artist
    from tests.engine.lyrics.helpers import tiny_artist

    save_artist(assets / "models" / "lyrics" / "base.pt", tiny_artist("Base", seed=4, hidden=16))
    info = artists.train_artist("Tuned", [SAMPLE], config=TrainConfig(seq_len=32, batch_size=8, max_epochs=1))
    assert info.metrics["origin"] == "fine-tuned from base"
    tuned = load_artist(info.path)
    assert tuned.model.config.hidden_size == 16
    assert tuned.vocab == artists.load_base().vocab
    assert "base" not in [a.slug for a in artists.list_artists()]
