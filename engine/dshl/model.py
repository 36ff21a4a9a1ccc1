"""The DSHL hash model: a forward LSTM hashes a segment, a backward LSTM hashes its successor.

Architecture (Joslyn, Zhuang & Hua, arXiv 1805.12176): the forward LSTM reads s_i; the backward
LSTM reads the retrograde of s_j; each last hidden state goes ReLU → FC 64 → ReLU → FC L×K →
ReLU → softmax per group of K. A pair's continuous score is b_F·b_B / L (1 = same code); the loss
is (b_F·b_B / L − c)² plus α times a bit-balance term. Additions: next-step / previous-step
prediction heads for stage-1 pre-training, and a balance term that works on batch statistics
(every symbol of every group used equally often) plus a small quantisation term.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch
from torch import nn
from torch.nn import functional as F

from engine.music.segments import ARTIC, CHORD0, N_CHORDS, N_FEATURES, N_OCTAVES, OCT0, PC0

KIND = "dshl"
FORMAT_VERSION = 3  # 2: junction windows and held notes; 3: phrase and cadence cues, meters


@dataclass
class DSHLConfig:
    """Hyper-parameters of the hash model (stored in the checkpoint)."""

    n_features: int = N_FEATURES
    hidden: int = 128
    fc: int = 64
    L: int = 8
    K: int = 4
    alpha: float = 0.5  # weight of the bit-balance term
    beta: float = 0.05  # weight of the quantisation term
    meters: int = 0  # >0: one network for that many meter families, a one-hot of it per step
    meter: int = 0  # the family (0 .. meters-1) this copy serves; see DSHL.serve


class PredictionHead(nn.Module):
    """Predict one step's features: articulation (BCE), octave, pitch class, chord (CE)."""

    def __init__(self, hidden: int) -> None:
        super().__init__()
        self.out = nn.Linear(hidden, 1 + (N_OCTAVES + 1) + 13 + (N_CHORDS + 1))

    def loss(self, states: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Cross-entropy of predicting ``target`` (B, T, 29) from ``states`` (B, T, H)."""
        logits = self.out(states)
        a, o, p, c = torch.split(logits, [1, N_OCTAVES + 1, 13, N_CHORDS + 1], dim=-1)
        t = target.float()
        loss = F.binary_cross_entropy_with_logits(a.squeeze(-1), t[..., ARTIC])
        loss = loss + F.cross_entropy(o.flatten(0, 1), _class_index(t[..., OCT0:PC0]).flatten())
        loss = loss + F.cross_entropy(p.flatten(0, 1), _class_index(t[..., PC0:CHORD0]).flatten())
        chords = t[..., CHORD0:CHORD0 + N_CHORDS]
        return loss + F.cross_entropy(c.flatten(0, 1), _class_index(chords).flatten())


def _class_index(one_hot: torch.Tensor) -> torch.Tensor:
    """Turn a one-hot (or all-zero) slice into class indices; all-zero becomes the last class."""
    none = (one_hot.sum(-1) == 0).long()
    return torch.where(none.bool(), torch.full_like(none, one_hot.shape[-1]), one_hot.argmax(-1))


class HashHead(nn.Module):
    """ReLU → FC → ReLU → FC L×K → ReLU → softmax per group of K."""

    def __init__(self, config: DSHLConfig) -> None:
        super().__init__()
        self.L, self.K = config.L, config.K
        self.fc1 = nn.Linear(config.hidden, config.fc)
        self.fc2 = nn.Linear(config.fc, config.L * config.K)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        """Return soft codes of shape (B, L, K)."""
        x = F.relu(self.fc2(F.relu(self.fc1(F.relu(hidden)))))
        return torch.softmax(x.view(-1, self.L, self.K), dim=-1)


class DSHL(nn.Module):
    """Forward and backward LSTM hash functions with pre-training heads."""

    def __init__(self, config: DSHLConfig) -> None:
        super().__init__()
        self.config = config
        width = config.n_features + config.meters
        self.lstm_f = nn.LSTM(width, config.hidden, batch_first=True)
        self.lstm_b = nn.LSTM(width, config.hidden, batch_first=True)
        self.head_f = HashHead(config)
        self.head_b = HashHead(config)
        self.next_f = PredictionHead(config.hidden)
        self.prev_b = PredictionHead(config.hidden)

    def serve(self, meter: int) -> None:
        """Condition every following call on meter family ``meter`` (a meter-conditioned model)."""
        if not 0 <= meter < max(1, self.config.meters):
            raise ValueError(f"meter family {meter} outside 0..{self.config.meters - 1}")
        self.config = replace(self.config, meter=meter)

    def _input(self, seg: torch.Tensor) -> torch.Tensor:
        """The LSTM input: the step features, then the meter one-hot when conditioned."""
        seg = seg.float()
        if not self.config.meters:
            return seg
        flag = torch.zeros(*seg.shape[:-1], self.config.meters)
        flag[..., self.config.meter] = 1.0
        return torch.cat([seg, flag], dim=-1)

    def states_f(self, seg: torch.Tensor) -> torch.Tensor:
        """Forward LSTM states over s (B, T, H)."""
        return self.lstm_f(self._input(seg))[0]

    def states_b(self, seg: torch.Tensor) -> torch.Tensor:
        """Backward LSTM states over the retrograde of s (B, T, H)."""
        return self.lstm_b(self._input(seg).flip(1))[0]

    def hidden_f(self, seg: torch.Tensor) -> torch.Tensor:
        """Last forward hidden state of s (B, H)."""
        return self.states_f(seg)[:, -1]

    def hidden_b(self, seg: torch.Tensor) -> torch.Tensor:
        """Last backward hidden state of s, i.e. after reading it back to front (B, H)."""
        return self.states_b(seg)[:, -1]

    def soft_f(self, seg: torch.Tensor) -> torch.Tensor:
        """Soft forward codes h_F(s) of shape (B, L, K)."""
        return self.head_f(self.hidden_f(seg))

    def soft_b(self, seg: torch.Tensor) -> torch.Tensor:
        """Soft backward codes h_B(s) of shape (B, L, K)."""
        return self.head_b(self.hidden_b(seg))

    def pretrain_loss(self, seg: torch.Tensor) -> torch.Tensor:
        """Stage 1: forward LSTM predicts the next step, backward LSTM the previous step."""
        fwd = self.states_f(seg)[:, :-1]
        bwd = self.states_b(seg)[:, :-1]
        target_next = seg[:, 1:]
        target_prev = seg.flip(1)[:, 1:]
        return self.next_f.loss(fwd, target_next) + self.prev_b.loss(bwd, target_prev)

    def forward(
        self, s_i: torch.Tensor, s_j: torch.Tensor, c: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Stage 2: return (continuous score b_F·b_B / L, loss or None when ``c`` is None)."""
        b_f, b_b = self.soft_f(s_i), self.soft_b(s_j)
        score = (b_f * b_b).sum(dim=(1, 2)) / self.config.L
        if c is None:
            return score, None
        loss = ((score - c.float()) ** 2).mean()
        loss = loss + self.config.alpha * (balance_loss(b_f) + balance_loss(b_b))
        loss = loss + self.config.beta * (quantisation_loss(b_f) + quantisation_loss(b_b))
        return score, loss


def balance_loss(codes: torch.Tensor) -> torch.Tensor:
    """Bit balance over a batch: every symbol of every group, and every pair of symbols across
    two groups, should be used equally often.

    The first term is the squared distance of each group's batch-mean distribution from uniform
    (1/K); the second is the same for the joint distribution of each pair of groups (1/K²), which
    stops groups from copying each other and the codes from crowding into a few buckets. Both are
    scaled so that total collapse costs about 1.
    """
    batch, groups, k = codes.shape
    usage = codes.mean(dim=0)  # (L, K)
    worst = 1 - 1 / k
    single = ((usage - 1 / k) ** 2).sum(-1).mean() / worst
    if groups < 2:
        return single
    joint = torch.einsum("bgk,bhm->ghkm", codes, codes) / batch  # (L, L, K, K)
    off = ~torch.eye(groups, dtype=torch.bool)
    pair = ((joint[off] - 1 / k**2) ** 2).sum((-1, -2)).mean() / (1 - 1 / k**2)
    return single + pair


def quantisation_loss(codes: torch.Tensor) -> torch.Tensor:
    """Push each group's softmax towards one-hot so soft scores agree with discrete codes."""
    return (1 - codes.max(dim=-1).values).mean()


@torch.no_grad()
def discrete_codes(model: DSHL, segs: torch.Tensor, side: str, batch: int = 4096) -> torch.Tensor:
    """Return the argmax symbols (N, L) of h_F (``side="f"``) or h_B (``"b"``) for ``segs``."""
    out = []
    for start in range(0, len(segs), batch):
        part = segs[start:start + batch]
        soft = model.soft_f(part) if side == "f" else model.soft_b(part)
        out.append(soft.argmax(-1).to(torch.uint8))
    return torch.cat(out)
