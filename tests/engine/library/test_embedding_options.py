"""A real scan stores patches and lyrics (with the mask); each embedding option gives vectors;
`segue playlist` takes --embedding, steering and --same-cluster."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from engine.cli import main
from engine.library.embeddings.options import vectors_for
from engine.library.service import scan
from engine.library.storage import models as m
from engine.library.storage.db import Library

CLIPS = Path(__file__).resolve().parents[2] / "data" / "library"
DEMO = Path(__file__).resolve().parents[3] / "assets" / "audio"


@pytest.fixture
def scanned(segue_home: Path, tmp_path: Path) -> Path:
    """Three music clips scanned; one has lyrics in an .lrc sidecar."""
    folder = tmp_path / "music"
    folder.mkdir()
    shutil.copyfile(CLIPS / "trumpet.ogg", folder / "trumpet.ogg")
    shutil.copyfile(CLIPS / "vibeace.ogg", folder / "vibeace.ogg")
    shutil.copyfile(DEMO / "Kevin_MacLeod_-_Vibe_Ace.ogg", folder / "long.ogg")
    (folder / "trumpet.lrc").write_text("[00:01.00]I love the sunny morning\n[00:03.00]"
                                        "Happy days are here again\n", encoding="utf-8")
    scan(folder, workers=1)
    return folder


def test_scan_stores_patches_lyrics_mask_and_vectors(scanned: Path) -> None:
    with Library() as library:
        with library.transaction() as session:
            tracks = {Path(t.path).name: t.id for t in session.scalars(select(m.Track))}
            patches = session.scalars(select(m.TrackPatches)).all()
            lyrics = {row.track_id: row for row in session.scalars(select(m.TrackLyrics))}
        assert len(patches) == 3 and all(p.count == 4 and len(p.patches) == 4 * 64 * 64 * 2
                                         for p in patches)
        sung = lyrics[tracks["trumpet.ogg"]]
        assert sung.has_lyrics and sung.source == "lrc" and sung.compound > 0.5
        assert sung.text.startswith("I love the sunny morning") and sung.vector is not None
        silent = lyrics[tracks["vibeace.ogg"]]
        assert not silent.has_lyrics
        assert (silent.text, silent.compound, silent.vector) == (None, None, None)  # the mask
        by_option = {o: vectors_for(o, library) for o in ("features", "spectrogram", "combined")}
        lyric_ids, lyric_vectors = vectors_for("lyrics", library)
    assert sorted(by_option["features"][0].tolist()) == sorted(tracks.values())
    for option, (ids, matrix) in by_option.items():
        assert ids.tolist() == sorted(tracks.values()), option
        assert np.isfinite(matrix).all() and matrix.shape[0] == 3
    assert by_option["spectrogram"][1].shape[1] == 16
    assert by_option["combined"][1].shape[1] == by_option["features"][1].shape[1] + 16
    assert lyric_ids.tolist() == [tracks["trumpet.ogg"]] and lyric_vectors.shape == (1, 8)
    with pytest.raises(ValueError, match="unknown embedding"):
        vectors_for("nope", Library())


def test_playlist_cli_embedding_steering_and_cluster(scanned: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    args = ["playlist", "--seed", "long.ogg", "--length", "2", "--json"]
    assert main([*args, "--embedding", "spectrogram", "--more-like", "trumpet.ogg",
                 "--alpha", "1.0"]) == 0
    steered = json.loads(capsys.readouterr().out)["tracks"]
    assert [Path(t["path"]).name for t in steered][0] == "trumpet.ogg"
    assert steered[0]["distance"] == pytest.approx(0.0, abs=1e-2)  # the query is B itself
    assert main([*args, "--embedding", "combined", "--same-cluster"]) == 0
    assert len(json.loads(capsys.readouterr().out)["tracks"]) <= 2
    assert main([*args, "--more-like", "no such track"]) == 2
    assert "no such track" in capsys.readouterr().err


def test_a_vae_fitted_on_a_split_encodes_every_track(scanned: Path) -> None:
    from engine.library.embeddings.options import fit_spectrogram_on
    from engine.library.embeddings.spectro_vae import SpectrogramVAEConfig

    with Library() as library:
        ids, _ = vectors_for("features", library)
        config = SpectrogramVAEConfig(channels=4, latent_dim=3, steps=5)
        model, metrics = fit_spectrogram_on(library, ids[:2].tolist(), config)
        assert metrics["train_patches"] == 8  # 4 stored patches of each of the 2 fit tracks
        found, matrix = vectors_for("spectrogram", library, spectrogram_model=model)
        both, combined = vectors_for("combined", library, spectrogram_model=model)
    assert found.tolist() == ids.tolist() and matrix.shape == (3, 3)
    assert both.tolist() == ids.tolist() and combined.shape[1] == 3 + vectors_for(
        "features", library)[1].shape[1]


def test_analyse_one_result_stays_a_picklable_dict_of_plain_fields(tmp_path: Path) -> None:
    import pickle

    from engine.library.analysis.track import analyse_one

    clip = tmp_path / "trumpet.ogg"
    shutil.copyfile(CLIPS / "trumpet.ogg", clip)
    clip.with_suffix(".txt").write_text("Sad and lonely, I cry\n", encoding="utf-8")
    result = pickle.loads(pickle.dumps(analyse_one(str(clip))))
    assert isinstance(result["patches"], bytes) and result["patch_count"] == 4
    assert result["lyrics"] == "Sad and lonely, I cry" and result["lyrics_source"] == "txt"
    assert result["sentiment"]["compound"] < -0.5


def test_retrain_on_the_library_within_a_budget_then_only_encode_new_tracks(
        scanned: Path, segue_home: Path) -> None:
    from engine.library.embeddings.spectro_store import library_model_path, refresh_spectrogram

    with Library() as library:
        first = refresh_spectrogram(library, budget=1.0, force_retrain=True)
        assert first.retrained and first.encoded == 3 and first.model.startswith("lib:3:")
        assert first.metrics is not None and first.metrics["seconds"] < 10
        assert library_model_path().is_file() and segue_home in library_model_path().parents
        again = refresh_spectrogram(library)  # 3 tracks < MIN_TRACKS: no retraining is due
        assert not again.retrained and again.encoded == 0 and again.model == first.model
        with library.transaction() as session:
            tags = set(session.scalars(select(m.SpectrogramEmbedding.model)))
    assert tags == {first.model}
