"""The autoencoder (fit, checkpoint round-trip, refusal of bad files), refresh and the index."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engine.checkpoint import CheckpointError
from engine.library.embeddings import autoencoder
from engine.library.embeddings.autoencoder_store import model_path, refresh_embeddings
from engine.library.playlists.index import NeighbourIndex
from engine.library.scan.scanner import scan_folder
from engine.library.storage.db import Library


def blobs(n: int = 300, dim: int = 20, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 5, (3, dim))
    labels = rng.integers(0, 3, n)
    return (centres[labels] + rng.normal(0, 1, (n, dim))).astype(np.float32), labels


def test_autoencoder_learns_and_round_trips(tmp_path: Path) -> None:
    data, labels = blobs()
    config = autoencoder.AutoencoderConfig(latent_dim=4, steps=300)
    model, loss = autoencoder.fit(data, config)
    assert loss < 0.5  # standardised data has variance 1: it learned structure
    latent = model.encode(data)
    assert latent.shape == (300, 4) and np.abs(latent).max() <= 1.0  # tanh latent
    # neighbours in latent space share the blob
    d = ((latent[:, None] - latent[None]) ** 2).sum(-1)
    np.fill_diagonal(d, np.inf)
    assert np.mean(labels[d.argmin(1)] == labels) > 0.95
    autoencoder.save(model, tmp_path / "ae.pt", {"mse": loss})
    loaded, checkpoint = autoencoder.load(tmp_path / "ae.pt")
    assert checkpoint.config["latent_dim"] == 4 and checkpoint.metrics["mse"] == loss
    np.testing.assert_allclose(loaded.encode(data), latent, atol=1e-6)


def test_bad_model_files_are_refused(tmp_path: Path) -> None:
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError):
        autoencoder.load(tmp_path / "junk.pt")
    with pytest.raises(CheckpointError, match="not found"):
        autoencoder.load(tmp_path / "missing.pt")


def test_refresh_only_refits_when_the_library_changes(library: Library, music: Path) -> None:
    scan_folder(library, music, workers=1)
    first = refresh_embeddings(library)
    assert first.refitted and first.tracks == 4 and model_path().is_file()
    again = refresh_embeddings(library)
    assert not again.refitted and again.fingerprint == first.fingerprint
    (music / "robin.ogg").unlink()
    scan_folder(library, music, workers=1)
    third = refresh_embeddings(library)
    assert third.refitted and third.tracks == 3 and third.fingerprint != first.fingerprint


def test_exact_index_matches_brute_force() -> None:
    data, _ = blobs(500, 8)
    index = NeighbourIndex(data)
    assert not index.ann
    rows, dist = index.query(data[7], 5)
    brute = np.argsort(((data - data[7]) ** 2).sum(1))[:5]
    assert rows.tolist() == brute.tolist()
    assert dist[0] == pytest.approx(0.0, abs=2e-2) and list(dist) == sorted(dist)


def test_ivf_index_has_high_recall() -> None:
    data, _ = blobs(20000, 12, seed=1)
    exact, ann = NeighbourIndex(data, ann=False), NeighbourIndex(data, ann=True)
    assert ann.ann
    recall = []
    for i in range(0, 2000, 100):
        truth = set(exact.query(data[i], 10)[0].tolist())
        recall.append(len(truth & set(ann.query(data[i], 10)[0].tolist())) / 10)
    assert np.mean(recall) >= 0.9
