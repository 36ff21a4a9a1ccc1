"""The library autoencoder: standardised features → a small tanh latent space (one model, one file).

Following nanoGPT's layout: an :class:`AutoencoderConfig` dataclass, a small ``nn.Module`` whose
``forward`` returns ``(reconstruction, loss)``, :func:`fit` and :func:`embed` (under ``no_grad``),
and checkpoints that store the config next to the weights (plus the feature mean/std as buffers),
saved atomically and loaded weights-only through :mod:`engine.checkpoint`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from engine.checkpoint import (
    Checkpoint,
    config_from_dict,
    config_to_dict,
    load_checkpoint,
    save_checkpoint,
)

KIND = "library_autoencoder"
FORMAT_VERSION = 1
MIN_STEPS = 300


@dataclass
class AutoencoderConfig:
    """Architecture and training settings (all stored in the checkpoint)."""

    input_dim: int = 64
    hidden: list[int] = field(default_factory=lambda: [32])
    latent_dim: int = 12
    steps: int = 1500
    batch_size: int = 256
    learning_rate: float = 3e-3
    weight_decay: float = 1e-5
    noise: float = 0.1  # denoising: Gaussian noise added to the standardised input
    seed: int = 0


def _mlp(sizes: list[int], last_activation: bool) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2 or last_activation:
            layers.append(nn.Tanh())
    return nn.Sequential(*layers)


class Autoencoder(nn.Module):
    """Encoder/decoder MLPs with tanh activations; inputs are standardised inside the model."""

    def __init__(self, config: AutoencoderConfig) -> None:
        super().__init__()
        self.config = config
        sizes = [config.input_dim, *config.hidden, config.latent_dim]
        self.encoder = _mlp(sizes, last_activation=True)
        self.decoder = _mlp(sizes[::-1], last_activation=False)
        self.register_buffer("mean", torch.zeros(config.input_dim))
        self.register_buffer("std", torch.ones(config.input_dim))
        self.register_buffer("weight", torch.ones(config.input_dim))

    def standardise(self, features: torch.Tensor) -> torch.Tensor:
        """Standardise raw features (clipped to ±5), then apply the per-column group weights."""
        return torch.clamp((features - self.mean) / self.std, -5.0, 5.0) * self.weight

    def forward(
        self, x: torch.Tensor, target: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Reconstruct standardised ``x``; with ``target``, also return the MSE loss."""
        reconstruction = self.decoder(self.encoder(x))
        loss = None if target is None else nn.functional.mse_loss(reconstruction, target)
        return reconstruction, loss

    @torch.no_grad()
    def encode(self, features: np.ndarray) -> np.ndarray:
        """Map raw feature rows to latent vectors (float32)."""
        self.eval()
        x = self.standardise(torch.as_tensor(np.array(features, dtype=np.float32)))
        return self.encoder(x).numpy().astype(np.float32)


def fit(features: np.ndarray, config: AutoencoderConfig | None = None,
        weights: np.ndarray | None = None) -> tuple[Autoencoder, float]:
    """Train an autoencoder on raw feature rows; return it and the final reconstruction MSE.

    ``weights`` scale the standardised columns (default: none); they are saved with the model.
    """
    torch.set_num_threads(1)
    data = np.array(features, dtype=np.float32)  # a writable copy
    config = config or AutoencoderConfig()
    config.input_dim = data.shape[1]
    generator = torch.Generator().manual_seed(config.seed)
    torch.manual_seed(config.seed)
    model = Autoencoder(config)
    mean = data.mean(axis=0)
    std = data.std(axis=0)
    model.mean.copy_(torch.as_tensor(mean))
    model.std.copy_(torch.as_tensor(np.where(std > 1e-6, std, 1.0)))
    if weights is not None:
        model.weight.copy_(torch.as_tensor(np.asarray(weights, dtype=np.float32)))
    x = model.standardise(torch.as_tensor(data))
    optimiser = torch.optim.Adam(
        model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay
    )
    model.train()
    batch = min(config.batch_size, len(x))
    steps = min(config.steps, max(MIN_STEPS, 20 * len(x)))  # tiny libraries need few steps
    for _ in range(steps):
        rows = torch.randint(0, len(x), (batch,), generator=generator)
        target = x[rows]
        noisy = target + config.noise * torch.randn(target.shape, generator=generator)
        _, loss = model(noisy, target)
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()
    with torch.no_grad():
        _, final = model(x, x)
    return model, float(final)


def save(model: Autoencoder, path: str | Path, metrics: dict[str, Any],
         extra: dict[str, Any] | None = None) -> None:
    """Write the model to ``path`` atomically."""
    save_checkpoint(
        path,
        Checkpoint(KIND, FORMAT_VERSION, config_to_dict(model.config), model.state_dict(),
                   metrics, extra or {}),
    )


def load(path: str | Path) -> tuple[Autoencoder, Checkpoint]:
    """Load a model saved by :func:`save` (weights only); raise CheckpointError if unusable."""
    checkpoint = load_checkpoint(path, KIND, FORMAT_VERSION)
    model = Autoencoder(config_from_dict(AutoencoderConfig, checkpoint.config))
    model.load_state_dict(checkpoint.state_dict)
    model.eval()
    return model, checkpoint
