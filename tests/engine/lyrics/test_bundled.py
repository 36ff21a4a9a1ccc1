"""Rebuilding the bundled artists (base model, then fine-tunes) on tiny texts with a tiny model."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.lyrics import artists
from engine.lyrics.bundled import train_bundled
from engine.lyrics.model import CharLSTMConfig, load_artist
from engine.lyrics.writer_splits import bundled_splits
from tests.engine.lyrics.helpers import make_assets


@pytest.fixture()
def assets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = make_assets(tmp_path, slugs=())
    monkeypatch.setenv("SEGUE_ASSETS", str(folder))
    return folder


def test_splits_hold_out_songs_from_every_writer(assets: Path) -> None:
    splits = bundled_splits()
    assert [s.slug for s in splits] == list(artists.BUNDLED)
    for split in splits:
        assert split.selection and split.train and split.test
        train = set(split.train.split("\n\n"))
        for held in (split.selection, split.test):
            assert not {song for song in held.split("\n\n") if song} & train


def test_base_then_fine_tunes_then_skip_and_continue(assets: Path) -> None:
    tiny = CharLSTMConfig(embed_dim=8, hidden_size=16, num_layers=1, dropout=0.0)
    out = assets / "models" / "lyrics"
    first = train_bundled(only=["emily_dickinson"], model_config=tiny, max_epochs=1)
    assert (out / "base.pt").exists() and (out / "emily_dickinson.pt").exists()
    assert set(first) == {"base", "emily_dickinson"}
    assert not list(out.glob("*.resume"))
    assert load_artist(out / "emily_dickinson.pt").vocab == load_artist(out / "base.pt").vocab
    again = train_bundled(only=["emily_dickinson"], model_config=tiny, max_epochs=1)
    assert again["emily_dickinson"] == {"skipped": "exists"}
    more = train_bundled(only=["emily_dickinson"], from_existing=True, max_epochs=1)
    assert more["emily_dickinson"]["val_nats_per_char"] <= first["emily_dickinson"]["val_nats_per_char"]
