"""The latent-constraints GAN (Engel et al. 2017) that steers the frozen CVAE toward the target topic.

D(z, c) predicts the target-topic probability of the sentence the CVAE decodes from z under the
raw conditioning c = ``[a; f; p]`` (labels come from decoding the way the writer does, and the LDA
model). G(z, c) → z′ = z + gate ⊙ δ is trained to raise D with a distance penalty, and two hard
bounds keep z′ near the prior: ‖z′ − z‖ ≤ ``max_shift`` · √d and ‖z′‖ ≤ ``max_norm`` · √d (a soft
penalty alone let z drift far and the text degenerate). ``n_tags`` is the width of c.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from engine.checkpoint import (
    Checkpoint,
    check_weights,
    config_from_dict,
    config_to_dict,
    load_checkpoint,
    save_checkpoint,
)

KIND = "commentary-lcgan"
FORMAT_VERSION = 2


@dataclass
class LCGANConfig:
    """Sizes, bounds and training knobs of the LC-GAN."""

    latent: int = 32
    n_tags: int = 204          # width of the raw conditioning [a; f; p]
    hidden: int = 256
    max_shift: float = 0.39   # × √d: bound on ‖z′ − z‖ (mean ratio to ‖z‖ stays ≤ 0.4)
    max_norm: float = 1.25    # × √d: bound on ‖z′‖
    distance_weight: float = 0.05


def _mlp(inp: int, hidden: int, out: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(inp, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                         nn.Linear(hidden, out))


class Discriminator(nn.Module):
    """D(z, a): logit of the target-topic probability of the decoded sentence."""

    def __init__(self, config: LCGANConfig) -> None:
        super().__init__()
        self.net = _mlp(config.latent + config.n_tags, config.hidden, 1)

    def forward(self, z: torch.Tensor, attrs: torch.Tensor) -> torch.Tensor:
        """Logits [B]."""
        return self.net(torch.cat([z, attrs], dim=-1)).squeeze(-1)


class Generator(nn.Module):
    """G(z, a) → z′ with a gated update, projected inside the hard bounds."""

    def __init__(self, config: LCGANConfig) -> None:
        super().__init__()
        self.config = config
        self.net = _mlp(config.latent + config.n_tags, config.hidden, 2 * config.latent)

    def forward(self, z: torch.Tensor, attrs: torch.Tensor) -> torch.Tensor:
        """The refined latent z′ [B, d]."""
        delta, gate = self.net(torch.cat([z, attrs], dim=-1)).chunk(2, dim=-1)
        return bound(z, z + torch.sigmoid(gate) * delta, self.config)


def bound(z: torch.Tensor, z_new: torch.Tensor, config: LCGANConfig) -> torch.Tensor:
    """Project z′ so that ‖z′ − z‖ and ‖z′‖ respect the configured hard bounds."""
    root = math.sqrt(z.size(-1))
    shift = z_new - z
    norm = shift.norm(dim=-1, keepdim=True).clamp_min(1e-8)
    shift = shift * torch.clamp(config.max_shift * root / norm, max=1.0)
    z_new = z + shift
    length = z_new.norm(dim=-1, keepdim=True).clamp_min(1e-8)
    limit = torch.maximum(torch.full_like(length, config.max_norm * root), z.norm(dim=-1, keepdim=True))
    return z_new * torch.clamp(limit / length, max=1.0)


def train_discriminator(model: Discriminator, z: torch.Tensor, attrs: torch.Tensor,
                        target: torch.Tensor, epochs: int = 30, lr: float = 1e-3, seed: int = 1
                        ) -> float:
    """Fit D to soft labels ``target`` ∈ [0, 1] with cross-entropy; return the final mean loss."""
    torch.manual_seed(seed)
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    last = 0.0
    for _ in range(epochs):
        order = torch.randperm(z.size(0))
        total = 0.0
        for start in range(0, z.size(0), 256):
            idx = order[start:start + 256]
            loss = F.binary_cross_entropy_with_logits(model(z[idx], attrs[idx]), target[idx])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total += loss.item() * len(idx)
        last = total / z.size(0)
    return last


def train_generator(model: Generator, critic: Discriminator, attrs_pool: torch.Tensor,
                    steps: int = 1500, lr: float = 1e-3, seed: int = 1) -> float:
    """Train G against the frozen D on prior samples z ~ N(0, I); return the final mean D prob."""
    generator = torch.Generator().manual_seed(seed)
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    for p in critic.parameters():
        p.requires_grad_(False)
    config = model.config
    prob = 0.0
    for _ in range(steps):
        z = torch.randn(256, config.latent, generator=generator)
        attrs = attrs_pool[torch.randint(0, attrs_pool.size(0), (256,), generator=generator)]
        z_new = model(z, attrs)
        logits = critic(z_new, attrs)
        distance = (z_new - z).pow(2).sum(-1).mean() / config.latent
        loss = -F.logsigmoid(logits).mean() + config.distance_weight * distance
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        prob = torch.sigmoid(logits).mean().item()
    for p in critic.parameters():
        p.requires_grad_(True)
    return prob


def save(generator: Generator, critic: Discriminator, path: str | Path,
         metrics: dict[str, Any]) -> None:
    """Save G and D in one checkpoint (float16 weights)."""
    state = {f"g.{k}": v.half() for k, v in generator.state_dict().items()}
    state.update({f"d.{k}": v.half() for k, v in critic.state_dict().items()})
    save_checkpoint(path, Checkpoint(KIND, FORMAT_VERSION, config_to_dict(generator.config),
                                     state, metrics))


class _Both(nn.Module):
    """G and D under the ``g.`` / ``d.`` prefixes of a checkpoint (for the shape check)."""

    def __init__(self, config: LCGANConfig) -> None:
        super().__init__()
        self.g, self.d = Generator(config), Discriminator(config)


def load(path: str | Path) -> tuple[Generator, Discriminator, Checkpoint]:
    """Load G and D (eval mode) from a checkpoint written by :func:`save`."""
    ckpt = load_checkpoint(path, KIND, FORMAT_VERSION)
    config = config_from_dict(LCGANConfig, ckpt.config)
    check_weights(path, lambda: _Both(config), ckpt.state_dict)
    generator, critic = Generator(config), Discriminator(config)
    generator.load_state_dict({k[2:]: v.float() for k, v in ckpt.state_dict.items() if k[:2] == "g."})
    critic.load_state_dict({k[2:]: v.float() for k, v in ckpt.state_dict.items() if k[:2] == "d."})
    return generator.eval(), critic.eval(), ckpt
