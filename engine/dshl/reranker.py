"""The learned re-ranker: scores (s_i, candidate) pairs retrieved by the hash index.

Hash codes are a fast, coarse first stage: many candidates share a code. The re-ranker orders
the retrieved candidates with a small MLP over the element-wise product of projected forward and
backward LSTM states (frozen from the hash model), the candidate's own projection, and pair
features: the Eq. 6–8 statistic, the melodic interval and chord change at the junction, metric
phase (beat of the bar where each segment starts), tune start/end flags, the hash score, held
notes across the junction, phrase position (does the candidate sit where the query's successor
would, modulo 2, 4, 8 and 16 hops; does it open a phrase), cadence cues (length of the query's
last note, a rest at its end, where the candidate's first onset falls) and the raw features of
the last/first ``window`` steps.
It is trained with a softmax over in-batch candidates (successors of other queries plus
segments of the query's own tune as hard negatives), which optimises the ranking directly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from engine.dshl.pairs import N_CHORD_CLASSES, Edges, TransitionStat

N_EDGE_FEATURES = 28
N_STEP_FEATURES = 29


def n_edge_features(cues: int = 1) -> int:
    """Edge columns of :func:`pair_features`: cue level 2 adds exact tune-position cues."""
    return N_EDGE_FEATURES + (4 if cues >= 2 else 0)


def n_pair_features(window: int, cues: int = 1) -> int:
    """Width of :func:`pair_features` for a junction window of ``window`` steps per side."""
    return n_edge_features(cues) + 2 * window * N_STEP_FEATURES


@dataclass
class RerankerConfig:
    """Hyper-parameters of the re-ranker (stored in the checkpoint).

    ``window``: how many raw steps each side of the junction (end of s_i, start of s_j) the MLP
    sees; 0 = edge features only.
    """

    hidden_in: int = 128
    proj: int = 48
    mlp: int = 64
    window: int = 2
    n_pair: int = n_pair_features(2)
    cues: int = 1  # 2: exact tune-position cues (does j sit exactly where i's successor would)


@dataclass
class SegmentMeta:
    """Per-segment arrays the pair features need (edges, phase, tune start/end, codes)."""

    edges: Edges
    phase: np.ndarray
    position: np.ndarray
    ends: np.ndarray
    soft_f: np.ndarray  # (N, L, K) float32
    soft_b: np.ndarray
    code_f: np.ndarray  # (N, L) uint8
    code_b: np.ndarray
    tail: np.ndarray  # (N, window * 29) float32: the last steps of each segment
    head: np.ndarray  # (N, window * 29) float32: the first steps
    held_start: np.ndarray  # (N,) bool: the melody sounds at step 0 without an onset
    sounding_end: np.ndarray  # (N,) bool: the melody sounds at the last step
    last_len: np.ndarray  # (N,) float32: steps from the last onset to the end, / segment steps
    first_onset: np.ndarray  # (N,) float32: step of the first onset, / segment steps
    cues: int = 1  # the re-ranker's cue level (see RerankerConfig)
    next_phase: np.ndarray | None = None  # (N,) phase a successor starts on (9/8: moves on)


def junction_arrays(features: np.ndarray, window: int) -> dict[str, np.ndarray]:
    """Per-segment raw junction windows and held-note flags for :class:`SegmentMeta`."""
    n, steps = features.shape[:2]
    sounding = features[:, :, 5:17].any(-1)
    artic = features[:, :, 0].astype(bool)
    last = np.where(artic.any(1), steps - 1 - artic[:, ::-1].argmax(1), 0)
    first = np.where(artic.any(1), artic.argmax(1), steps)
    return {
        "last_len": ((steps - last) / steps).astype(np.float32),
        "first_onset": (first / steps).astype(np.float32),
        "tail": features[:, features.shape[1] - window:].reshape(n, -1).astype(np.float32)
        if window else np.zeros((n, 0), np.float32),
        "head": features[:, :window].reshape(n, -1).astype(np.float32)
        if window else np.zeros((n, 0), np.float32),
        "held_start": sounding[:, 0] & (features[:, 0, 0] == 0),
        "sounding_end": sounding[:, -1],
    }


def pair_features(meta: SegmentMeta, stat: TransitionStat, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Return (len(i), :func:`n_pair_features`) float32 features of the pairs (i[k], j[k])."""
    edge = edge_features(meta, stat, i, j)
    return np.concatenate([edge, meta.tail[i], meta.head[j]], axis=1)


def edge_features(meta: SegmentMeta, stat: TransitionStat, i: np.ndarray,
                  j: np.ndarray) -> np.ndarray:
    """The first :data:`N_EDGE_FEATURES` columns of :func:`pair_features` (no raw windows).

    Columns are written into one preallocated array: composing calls this for every pick.
    """
    e = meta.edges
    n = len(j)
    out = np.empty((n, n_edge_features(meta.cues)), dtype=np.float32)
    p_chord, p_pitch = stat.components(e, i, j)
    a, b = e.last_midi[i], e.first_midi[j]
    silent = (a < 0) | (b < 0)
    interval = np.where(silent, 0, np.abs(a - b))
    last_chord = e.last_chord[i]
    L = meta.code_f.shape[1]
    pos_i, pos_j = meta.position[i], meta.position[j]
    sounding_end, held_start = meta.sounding_end[i], meta.held_start[j]
    out[:, 0], out[:, 1] = p_chord, p_pitch
    out[:, 2] = 0.5 * (out[:, 0] + out[:, 1])
    out[:, 3] = np.minimum(interval, 24) / 12
    out[:, 4], out[:, 5], out[:, 6] = interval == 0, interval <= 2, interval >= 7
    out[:, 7] = silent
    out[:, 8] = (last_chord == e.first_chord[j]) & (last_chord != N_CHORD_CLASSES - 1)
    expected = meta.next_phase if meta.next_phase is not None else meta.phase
    out[:, 9] = expected[i] == meta.phase[j]
    out[:, 10], out[:, 11] = meta.phase[j] == 0, pos_j == 0
    out[:, 12], out[:, 13] = meta.ends[i], meta.ends[j]
    out[:, 14] = (meta.code_f[i] != meta.code_b[j]).sum(-1) / L
    out[:, 15] = np.einsum("nlk,nlk->n", meta.soft_f[i], meta.soft_b[j]) / L
    out[:, 16] = held_start
    out[:, 17] = held_start & sounding_end & (interval == 0) & ~silent
    for k, cue in enumerate(phrase_cues(pos_i, pos_j)):
        out[:, 18 + k] = cue
    out[:, 25], out[:, 26], out[:, 27] = meta.last_len[i], ~sounding_end, meta.first_onset[j]
    if meta.cues >= 2:
        delta = pos_j.astype(np.int64) - pos_i - 2
        out[:, 28], out[:, 29] = delta == 0, np.abs(delta) <= 2
        out[:, 30], out[:, 31] = pos_j < pos_i, np.clip(delta, -16, 16) / 16
    return out


def phrase_cues(pos_i: np.ndarray, pos_j: np.ndarray, gap: int = 2) -> list[np.ndarray]:
    """Phrase position: does j sit ``gap`` hops after i modulo 2, 4, 8, 16 hops; does j open an
    8-hop phrase; how far into its tune each one is (clipped at 64 hops)."""
    delta = pos_j.astype(np.int64) - pos_i - gap
    return [(delta & (m - 1)) == 0 for m in (2, 4, 8, 16)] + [
        (pos_j & 7) == 0, np.minimum(pos_i, 64) / 64, np.minimum(pos_j, 64) / 64]


class Reranker(nn.Module):
    """score(i, j) = MLP([P h_F(i) ⊙ Q h_B(j), Q h_B(j), pair features])."""

    def __init__(self, config: RerankerConfig) -> None:
        super().__init__()
        self.config = config
        self.proj_f = nn.Linear(config.hidden_in, config.proj)
        self.proj_b = nn.Linear(config.hidden_in, config.proj)
        self.mlp = nn.Sequential(
            nn.Linear(2 * config.proj + config.n_pair, config.mlp), nn.ReLU(),
            nn.Linear(config.mlp, 1),
        )

    def project(self, h_f: torch.Tensor, h_b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Project forward states of queries and backward states of candidates."""
        return torch.tanh(self.proj_f(h_f)), torch.tanh(self.proj_b(h_b))

    def forward(self, u: torch.Tensor, v: torch.Tensor, pair: torch.Tensor) -> torch.Tensor:
        """Score pairs: ``u`` (..., P), ``v`` (..., P), ``pair`` (..., F) → (...)."""
        return self.mlp(torch.cat([u * v, v, pair], dim=-1)).squeeze(-1)


class NumpyScorer:
    """The re-ranker's MLP in numpy, for composing: no torch thread pool on the hot path.

    Small matrix products run faster in numpy than through torch's per-call overhead, and do not
    compete with other models' thread pools on a busy machine.
    """

    def __init__(self, model: Reranker) -> None:
        first, last = model.mlp[0], model.mlp[2]
        self.w1 = first.weight.detach().numpy().T.copy()
        self.b1 = first.bias.detach().numpy().copy()
        self.w2 = last.weight.detach().numpy()[0].copy()
        self.b2 = float(last.bias.detach().numpy()[0])
        n_edge = n_edge_features(model.config.cues)
        p, half = model.config.proj, (model.config.n_pair - n_edge) // 2
        edge = 2 * p + n_edge
        self.w_uv, self.w_v = self.w1[:p], self.w1[p:2 * p]
        self.w_edge = self.w1[2 * p:edge]
        self.w_tail, self.w_head = self.w1[edge:edge + half], self.w1[edge + half:]
        self._parts: dict[tuple[int, int], tuple[object, np.ndarray, np.ndarray]] = {}

    def score_pairs(self, meta: SegmentMeta, stat: TransitionStat, u: np.ndarray, v: np.ndarray,
                    i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Scores of the pairs (i[k], j[k]), the same as ``self(u[i], v[j], pair_features(...))``
        but faster: the query's and candidate's own terms of the first layer are computed once
        per segment, so a pair only costs its interaction and edge terms."""
        key = (id(meta), id(v))
        cached = self._parts.get(key)
        if cached is None or cached[0] is not meta:
            query = meta.tail @ self.w_tail + self.b1
            cand = v @ self.w_v + meta.head @ self.w_head
            cached = self._parts[key] = (meta, query.astype(np.float32), cand.astype(np.float32))
        _, query, cand = cached
        one = len(i) > 0 and i[0] == i[-1] and (i == i[0]).all()  # composing: one query
        ui, qi = (u[i[0]], query[i[0]]) if one else (u[i], query[i])
        h = (ui * v[j]) @ self.w_uv + edge_features(meta, stat, i, j) @ self.w_edge
        h += qi
        h += cand[j]
        return np.maximum(h, 0.0) @ self.w2 + self.b2

    def __call__(self, u: np.ndarray, v: np.ndarray, pair: np.ndarray) -> np.ndarray:
        """Score pairs: ``u`` (P,) or (n, P), ``v`` (n, P), ``pair`` (n, F) → (n,)."""
        x = np.concatenate([np.atleast_2d(u) * v, v, pair], axis=1)
        return np.maximum(x @ self.w1 + self.b1, 0.0) @ self.w2 + self.b2
