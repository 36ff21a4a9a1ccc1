"""The spectrogram VAE: a small convolutional VAE over log-mel patches (one model, one file).

The content-based recommender seed, small: 64 mel bands × 64 frames (about 3 s, see
:mod:`engine.library.analysis.melpatches`) → three stride-2 convolutions → a :attr:`latent_dim`-d Gaussian
latent; the decoder mirrors it. A track's vector is the mean of its patches' latent means.

Layout as nanoGPT's: :class:`SpectrogramVAEConfig`, ``forward`` → ``(reconstruction, loss,
parts)``, :func:`fit` (seeded, bounded by steps *and* seconds), :meth:`SpectrogramVAE.encode`
under ``no_grad``, and :func:`save`/:func:`load` through :mod:`engine.checkpoint` (weights only,
versioned, with metrics). :func:`train_spectrogram_vae` trains on arbitrary audio files.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from engine.checkpoint import (
    Checkpoint,
    config_from_dict,
    config_to_dict,
    load_checkpoint,
    save_checkpoint,
)
from engine.library.analysis.melpatches import N_FRAMES, N_MELS, PATCH_VERSION

KIND = "library_spectrogram_vae"
FORMAT_VERSION = 1


@dataclass
class SpectrogramVAEConfig:
    """Architecture and training settings (all stored in the checkpoint)."""

    n_mels: int = N_MELS
    n_frames: int = N_FRAMES
    channels: int = 16  # first convolution; then 2× and 2×
    latent_dim: int = 16
    beta: float = 0.5  # weight of the KL term (per latent dimension, vs per-pixel MSE sum)
    steps: int = 3000
    max_seconds: float = 600.0
    batch_size: int = 32
    learning_rate: float = 2e-3
    selection_fraction: float = 0.15  # patches held out for the reported reconstruction loss
    seed: int = 0


class SpectrogramVAE(nn.Module):
    """Conv encoder → (mu, logvar) → linear + transposed-conv decoder with a sigmoid output."""

    def __init__(self, config: SpectrogramVAEConfig) -> None:
        super().__init__()
        self.config = config
        c = config.channels
        self.encoder = nn.Sequential(
            nn.Conv2d(1, c, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(c, 2 * c, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(2 * c, 2 * c, 3, stride=2, padding=1), nn.ReLU(),
        )
        self.shape = (2 * c, config.n_mels // 8, config.n_frames // 8)
        flat = self.shape[0] * self.shape[1] * self.shape[2]
        self.to_stats = nn.Linear(flat, 2 * config.latent_dim)
        self.from_latent = nn.Linear(config.latent_dim, flat)
        self.decoder = nn.Sequential(
            nn.ReLU(),
            nn.ConvTranspose2d(2 * c, 2 * c, 4, stride=2, padding=1), nn.ReLU(),
            nn.ConvTranspose2d(2 * c, c, 4, stride=2, padding=1), nn.ReLU(),
            nn.ConvTranspose2d(c, 1, 4, stride=2, padding=1),
        )

    def stats(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(mu, logvar)`` of patches ``x`` shaped ``(B, mels, frames)``."""
        h = self.encoder(x.unsqueeze(1)).flatten(1)
        mu, logvar = self.to_stats(h).chunk(2, dim=1)
        return mu, logvar.clamp(-8.0, 8.0)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Patches ``(B, mels, frames)`` in [0, 1] from latents."""
        h = self.from_latent(z).view(-1, *self.shape)
        return torch.sigmoid(self.decoder(h)).squeeze(1)

    def forward(self, x: torch.Tensor, generator: torch.Generator | None = None
                ) -> tuple[torch.Tensor, torch.Tensor, dict[str, float]]:
        """Reconstruct ``x`` through a sampled latent; return it, the loss and its parts."""
        mu, logvar = self.stats(x)
        noise = torch.randn(mu.shape, generator=generator)
        z = mu + noise * torch.exp(0.5 * logvar)
        recon = self.decode(z)
        mse = F.mse_loss(recon, x, reduction="none").flatten(1).sum(1).mean()
        kl = (-0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(1)).mean()
        loss = mse + self.config.beta * kl
        return recon, loss, {"mse": float(mse.detach()), "kl": float(kl.detach())}

    @torch.no_grad()
    def encode(self, patches: np.ndarray) -> np.ndarray:
        """Latent means (float32, ``(N, latent_dim)``) of patches ``(N, mels, frames)``."""
        self.eval()
        out = []
        data = np.asarray(patches, dtype=np.float32)
        for start in range(0, len(data), 256):
            mu, _ = self.stats(torch.as_tensor(data[start : start + 256]))
            out.append(mu.numpy())
        return (np.concatenate(out) if out else np.zeros((0, self.config.latent_dim))).astype(
            np.float32)

    @torch.no_grad()
    def reconstruction_mse(self, patches: np.ndarray) -> float:
        """Mean per-patch summed squared error of reconstructions from the latent means."""
        self.eval()
        x = torch.as_tensor(np.asarray(patches, dtype=np.float32))
        if len(x) == 0:
            return float("nan")
        mu, _ = self.stats(x)
        return float(F.mse_loss(self.decode(mu), x, reduction="none").flatten(1).sum(1).mean())


def track_vectors(model: SpectrogramVAE, patches: Sequence[np.ndarray]) -> np.ndarray:
    """One vector per track: the mean latent over that track's patches."""
    if not patches:
        return np.zeros((0, model.config.latent_dim), np.float32)
    counts = [len(p) for p in patches]
    latents = model.encode(np.concatenate([np.asarray(p, np.float32) for p in patches]))
    bounds = np.cumsum([0, *counts])
    return np.stack([latents[a:b].mean(axis=0) for a, b in zip(bounds[:-1], bounds[1:],
                                                                  strict=True)])


def fit(patches: np.ndarray, config: SpectrogramVAEConfig | None = None,
        max_seconds: float | None = None) -> tuple[SpectrogramVAE, dict[str, Any]]:
    """Train on patches ``(N, mels, frames)``; stop at ``config.steps`` or the time budget.

    Returns the model and metrics: first and last training loss (means of 50 steps), selection
    reconstruction MSE before and after training, steps, seconds and patch counts.
    """
    torch.set_num_threads(1)
    config = config or SpectrogramVAEConfig()
    budget = config.max_seconds if max_seconds is None else max_seconds
    data = torch.as_tensor(np.asarray(patches, dtype=np.float32))
    rng = np.random.default_rng(config.seed)
    order = rng.permutation(len(data))
    held = int(len(data) * config.selection_fraction) if len(data) >= 10 else 0
    selection, train = data[order[:held]], data[order[held:]]
    generator = torch.Generator().manual_seed(config.seed)
    torch.manual_seed(config.seed)
    model = SpectrogramVAE(config)
    before = model.reconstruction_mse(selection.numpy()) if held else float("nan")
    optimiser = torch.optim.Adam(model.parameters(), lr=config.learning_rate)
    model.train()
    losses: list[float] = []
    started = time.monotonic()
    batch = min(config.batch_size, len(train))
    step = 0
    for step in range(1, config.steps + 1):  # noqa: B007 - ``step`` is reported
        rows = torch.randint(0, len(train), (batch,), generator=generator)
        _, loss, _ = model(train[rows], generator)
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()
        losses.append(float(loss.detach()))
        if time.monotonic() - started > budget:
            break
    window = max(1, min(50, len(losses) // 4))
    metrics = {
        "loss_first": float(np.mean(losses[:window])),
        "loss_last": float(np.mean(losses[-window:])),
        "selection_mse_before": before,
        "selection_mse_after": model.reconstruction_mse(selection.numpy()) if held else
        float("nan"),
        # the baseline: every selection patch predicted by the mean training patch
        "selection_mse_mean_patch": float((selection - train.mean(0)).pow(2).flatten(1).sum(1)
                                          .mean()) if held else float("nan"),
        "steps": step,
        "seconds": round(time.monotonic() - started, 2),
        "train_patches": len(train),
        "selection_patches": held,
        "patch_version": PATCH_VERSION,
    }
    model.eval()
    return model, metrics


def save(model: SpectrogramVAE, path: str | Path, metrics: dict[str, Any],
         extra: dict[str, Any] | None = None) -> None:
    """Write the model to ``path`` atomically."""
    save_checkpoint(path, Checkpoint(KIND, FORMAT_VERSION, config_to_dict(model.config),
                                     model.state_dict(), metrics, extra or {}))


def load(path: str | Path) -> tuple[SpectrogramVAE, Checkpoint]:
    """Load a model saved by :func:`save` (weights only); raise CheckpointError if unusable."""
    checkpoint = load_checkpoint(path, KIND, FORMAT_VERSION)
    model = SpectrogramVAE(config_from_dict(SpectrogramVAEConfig, checkpoint.config))
    model.load_state_dict(checkpoint.state_dict)
    model.eval()
    return model, checkpoint


def train_spectrogram_vae(files: Sequence[str | Path], out: str | Path | None = None,
                          config: SpectrogramVAEConfig | None = None,
                          max_seconds: float | None = None, dense: bool = True
                          ) -> tuple[SpectrogramVAE, dict[str, Any]]:
    """Train a VAE on arbitrary audio files (decoded as the scan does); save to ``out`` if given.

    ``dense``: every half-overlapping 64-frame window of each file (the bundled default's
    training); else the scan's 4 patches per file. Files that cannot be decoded are skipped and
    counted in the metrics (``files_skipped``).
    """
    from engine.library.analysis.decode import DecodeError, decode
    from engine.library.analysis.melpatches import dense_patches, mel_patches

    chunks, skipped = [], 0
    for path in files:
        try:
            decoded = decode(str(path))
        except DecodeError:
            skipped += 1
            continue
        take = dense_patches if dense else mel_patches
        chunks.append(np.asarray(take(decoded.samples, decoded.sample_rate), np.float32))
    if not chunks:
        raise ValueError("no decodable audio to train the spectrogram VAE on")
    model, metrics = fit(np.concatenate(chunks), config, max_seconds)
    metrics.update(files=len(chunks), files_skipped=skipped)
    if out is not None:
        save(model, out, metrics, {"trained_on": [Path(str(f)).name for f in files],
                                   "tag": f"vae:{len(chunks)}:{time.time():.0f}"})
    return model, metrics
