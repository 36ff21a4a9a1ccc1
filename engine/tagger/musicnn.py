"""musicnn (Pons & Serra 2019) in PyTorch: the pretrained MagnaTagATune / Million Song tag models.

A port of ``build_musicnn`` from the ``musicnn`` package (ISC licence, Music Technology Group,
UPF; ``assets/models/tagger/LICENSE.musicnn.md``), converted from its TensorFlow 1 checkpoints by
``scripts/convert_musicnn.py`` and checked against the original by
``scripts/validate_musicnn_port.py`` (docs/tagger.md). Input: log-compressed mel patches
``(B, 187 frames, 96 bands)`` (:mod:`engine.tagger.audio`); output: 50 tag logits and the
200-d penultimate layer.

The TensorFlow graph, layer by layer (NHWC there, NCHW here; time = H, mel band = W):

* front end: batch norm on the input (one channel); **timbral** convs 7×38 and 7×67
  (204 filters, time zero-padded 3+3, frequency ``valid``) and **temporal** convs 128×1, 64×1,
  32×1 (51 filters, TF ``same``: zero pad ``(k-1)//2`` before and the rest after); each conv
  is ReLU → batch norm → max over every remaining band. Channels 204+204+51+51+51 = 561.
* mid end: three 1-D convs of width 7 (64 filters, zero pad 3+3), each ReLU → batch norm; the
  second and third add a residual. The four maps (front end, conv1, res2, res3) are
  concatenated: 753 channels.
* back end: max and mean over time, **interleaved per channel** (TF concatenates them on a
  trailing axis and flattens: ``[max0, mean0, max1, mean1, …]``), batch norm, dense 200 + ReLU,
  batch norm (the penultimate layer), dense 50 (logits; a sigmoid gives tag probabilities).

Batch norm is inference-only, with TF1's epsilon (0.001). Dropout is the identity at inference.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

KIND = "tagger_musicnn"
FORMAT_VERSION = 1
TF_BN_EPSILON = 1e-3  # tf.compat.v1.layers.batch_normalization's default


@dataclass
class MusicnnConfig:
    """Architecture of one musicnn model (stored in the checkpoint)."""

    n_mels: int = 96
    n_frames: int = 187  # 3 s at 16 kHz, hop 256 (the models were trained on these patches)
    timbral_filters: int = 204  # int(1.6 * 128)
    temporal_filters: int = 51  # int(1.6 * 32)
    timbral_heights: tuple[float, ...] = (0.4, 0.7)  # kernel widths: int(h * n_mels) bands
    timbral_length: int = 7
    temporal_lengths: tuple[int, ...] = (128, 64, 32)
    midend_filters: int = 64
    midend_length: int = 7
    backend_units: int = 200
    n_tags: int = 50
    bn_epsilon: float = TF_BN_EPSILON

    def __post_init__(self) -> None:
        # checkpoints store tuples as lists (JSON-like config dicts)
        self.timbral_heights = tuple(float(h) for h in self.timbral_heights)
        self.temporal_lengths = tuple(int(k) for k in self.temporal_lengths)

    @property
    def frontend_channels(self) -> int:
        """Channels the front end hands the mid end (561 for the released models)."""
        return (len(self.timbral_heights) * self.timbral_filters
                + len(self.temporal_lengths) * self.temporal_filters)

    @property
    def midend_channels(self) -> int:
        """Channels of the dense mid-end output pooled by the back end (753)."""
        return self.frontend_channels + 3 * self.midend_filters


def _bn1d(channels: int, eps: float) -> nn.BatchNorm1d:
    return nn.BatchNorm1d(channels, eps=eps)


def _bn2d(channels: int, eps: float) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(channels, eps=eps)


class _FreqPooledConv(nn.Module):
    """Conv2d → ReLU → batch norm → max over all bands: one front-end branch, ``(B, C, T)`` out.

    ``time_pad`` is the (before, after) zero padding on the time axis (TF's explicit pad or
    ``same``); frequency is always ``valid``.

    At inference the same value is computed without touching the feature map more than once
    after the convolution. The batch norm is a per-channel map ``a·x + b`` and ReLU is monotone,
    so the max over bands of ``BN(ReLU(h))`` is ``a·ReLU(max h) + b`` where ``a ≥ 0`` and
    ``a·ReLU(min h) + b`` where ``a < 0``; ``min h = −max(−h)``, and ``−h`` is the convolution
    with negated weights and bias (exactly: negation commutes with every rounding). So each
    channel's kernel is multiplied by the sign of its ``a`` and one max over bands serves all
    channels: the values TF computes, in one pass over the map instead of three.
    """

    def __init__(self, filters: int, kernel: tuple[int, int], time_pad: tuple[int, int],
                 eps: float) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, filters, kernel)
        self.bn = _bn2d(filters, eps)
        self.time_pad = time_pad

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x``: normalised input ``(B, 1, T, bands)`` → ``(B, filters, T)``."""
        x = F.pad(x, (0, 0, *self.time_pad))
        if self.training:  # the plain path (only a fine-tuning run would train)
            return self.bn(F.relu(self.conv(x))).amax(dim=3)
        bn = self.bn
        scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
        shift = bn.bias - bn.running_mean * scale
        sign = torch.where(scale >= 0, 1.0, -1.0)
        signed = F.conv2d(x, self.conv.weight * sign[:, None, None, None], self.conv.bias * sign)
        pooled = F.relu(signed.amax(dim=3) * sign[None, :, None])  # ReLU(max h) or ReLU(min h)
        return pooled * scale[None, :, None] + shift[None, :, None]


def tf_same_padding(kernel: int) -> tuple[int, int]:
    """TF's ``same`` padding for stride 1: ``(k-1)//2`` before, the rest after."""
    total = kernel - 1
    return total // 2, total - total // 2


class Musicnn(nn.Module):
    """The musicnn tagger: ``forward(patches)`` → ``(logits, penultimate)``."""

    def __init__(self, config: MusicnnConfig) -> None:
        super().__init__()
        self.config = config
        c, eps = config, config.bn_epsilon
        self.input_bn = _bn2d(1, eps)
        half = c.timbral_length // 2
        self.timbral = nn.ModuleList(
            _FreqPooledConv(c.timbral_filters, (c.timbral_length, int(h * c.n_mels)),
                            (half, half), eps)
            for h in c.timbral_heights)
        self.temporal = nn.ModuleList(
            _FreqPooledConv(c.temporal_filters, (k, 1), tf_same_padding(k), eps)
            for k in c.temporal_lengths)
        pad = c.midend_length // 2
        self.mid1 = nn.Conv1d(c.frontend_channels, c.midend_filters, c.midend_length, padding=pad)
        self.mid2 = nn.Conv1d(c.midend_filters, c.midend_filters, c.midend_length, padding=pad)
        self.mid3 = nn.Conv1d(c.midend_filters, c.midend_filters, c.midend_length, padding=pad)
        self.mid1_bn = _bn1d(c.midend_filters, eps)
        self.mid2_bn = _bn1d(c.midend_filters, eps)
        self.mid3_bn = _bn1d(c.midend_filters, eps)
        self.pool_bn = _bn1d(2 * c.midend_channels, eps)
        self.dense = nn.Linear(2 * c.midend_channels, c.backend_units)
        self.dense_bn = _bn1d(c.backend_units, eps)
        self.output = nn.Linear(c.backend_units, c.n_tags)

    def frontend(self, patches: torch.Tensor) -> torch.Tensor:
        """Log-mel patches ``(B, T, bands)`` → front-end features ``(B, 561, T)``."""
        x = self.input_bn(patches.unsqueeze(1))
        return torch.cat([branch(x) for branch in (*self.timbral, *self.temporal)], dim=1)

    def midend(self, front: torch.Tensor) -> torch.Tensor:
        """Front-end features → the dense mid-end map ``(B, 753, T)`` (front, conv1, res2, res3)."""
        m1 = self.mid1_bn(F.relu(self.mid1(front)))
        m2 = self.mid2_bn(F.relu(self.mid2(m1))) + m1
        m3 = self.mid3_bn(F.relu(self.mid3(m2))) + m2
        return torch.cat([front, m1, m2, m3], dim=1)

    def forward(self, patches: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Patches ``(B, n_frames, n_mels)`` → ``(logits (B, n_tags), penultimate (B, 200))``."""
        mid = self.midend(self.frontend(patches))
        pooled = torch.stack([mid.amax(dim=2), mid.mean(dim=2)], dim=2).flatten(1)
        penultimate = self.dense_bn(F.relu(self.dense(self.pool_bn(pooled))))
        return self.output(penultimate), penultimate
