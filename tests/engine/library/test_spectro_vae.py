"""The spectrogram VAE on real log-mel patches: it trains, encodes, and round-trips a checkpoint."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engine.checkpoint import CheckpointError
from engine.library.analysis.decode import decode
from engine.library.analysis.melpatches import N_FRAMES, N_MELS, N_PATCHES, dense_patches, mel_patches
from engine.library.embeddings import spectro_vae

CLIPS = Path(__file__).resolve().parents[2] / "data" / "library"
TINY = spectro_vae.SpectrogramVAEConfig(channels=4, latent_dim=4, steps=60, batch_size=16,
                                        learning_rate=3e-3)


@pytest.fixture(scope="module")
def patches() -> np.ndarray:
    """Dense patches of real clips: a trumpet loop, Vibe Ace and two readings."""
    out = []
    for name in ("trumpet.ogg", "vibeace.ogg", "198-209-0000.ogg", "3436-172162-0000.ogg"):
        decoded = decode(CLIPS / name)
        out.append(dense_patches(decoded.samples, decoded.sample_rate).astype(np.float32))
    return np.concatenate(out)


def test_patches_shape_range_and_silence() -> None:
    decoded = decode(CLIPS / "trumpet.ogg")
    found = mel_patches(decoded.samples, decoded.sample_rate)
    assert found.shape == (N_PATCHES, N_MELS, N_FRAMES) and found.dtype == np.float16
    assert 0.0 <= float(found.min()) and float(found.max()) == pytest.approx(1.0, abs=1e-3)
    assert float(np.std(found.astype(np.float32))) > 0.05
    assert not mel_patches(np.zeros(50_000, np.float32), 11025).any()
    assert mel_patches(decoded.samples[:3000], decoded.sample_rate).shape[0] == N_PATCHES


def test_vae_loss_falls_and_encodes(patches: np.ndarray) -> None:
    model, metrics = spectro_vae.fit(patches, TINY)
    assert metrics["loss_last"] < 0.85 * metrics["loss_first"]
    assert metrics["selection_mse_after"] < metrics["selection_mse_before"]
    vectors = spectro_vae.track_vectors(model, [patches[:4], patches[4:9]])
    assert vectors.shape == (2, TINY.latent_dim) and np.isfinite(vectors).all()
    assert not np.allclose(vectors[0], vectors[1])


def test_checkpoint_round_trip(patches: np.ndarray, tmp_path: Path) -> None:
    model, metrics = spectro_vae.fit(patches[:20], TINY, max_seconds=5)
    path = tmp_path / "vae.pt"
    spectro_vae.save(model, path, metrics, {"tag": "t1"})
    loaded, checkpoint = spectro_vae.load(path)
    assert checkpoint.metrics["steps"] == metrics["steps"] and checkpoint.extra["tag"] == "t1"
    assert loaded.config == model.config
    np.testing.assert_allclose(loaded.encode(patches[:6]), model.encode(patches[:6]), atol=1e-6)
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(CheckpointError):
        spectro_vae.load(path)


def test_train_on_files_skips_undecodable(tmp_path: Path) -> None:
    junk = tmp_path / "junk.ogg"
    junk.write_bytes(b"not audio at all" * 100)
    config = spectro_vae.SpectrogramVAEConfig(channels=4, latent_dim=4, steps=5)
    _, metrics = spectro_vae.train_spectrogram_vae([CLIPS / "trumpet.ogg", junk],
                                                   tmp_path / "m.pt", config)
    assert metrics["files"] == 1 and metrics["files_skipped"] == 1
    assert (tmp_path / "m.pt").is_file()
