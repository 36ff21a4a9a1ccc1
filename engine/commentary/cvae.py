"""The conditional sentence VAE: LSTM encoder → (μ, log σ²) → z; LSTM decoder on [word; z; c].

``c`` is a learned linear embedding of the raw conditioning ``[a; f; p]`` (the caption's tags,
the tags this sentence mentions, its position: see ``corpus``). Training uses KL annealing,
word dropout and free bits (a per-dimension KL floor, so the latent units stay active).
:func:`generate` decodes greedy, by temperature or beam, with a repetition guard that never lets
a 3-gram repeat inside a sentence (the writer's sampler is :mod:`decoding`). Checkpoints hold
the weights as float16 (small files).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F
from torch.nn.utils.rnn import pack_padded_sequence

from engine.checkpoint import (
    Checkpoint,
    check_weights,
    config_from_dict,
    config_to_dict,
    load_checkpoint,
    save_checkpoint,
)

KIND = "commentary-cvae"
FORMAT_VERSION = 2
BOS_ID, EOS_ID, UNK_ID = 1, 2, 3


@dataclass
class CVAEConfig:
    """Sizes and training knobs of the CVAE."""

    vocab_size: int
    n_tags: int = 100
    embed: int = 128
    hidden: int = 256
    latent: int = 32
    word_dropout: float = 0.3
    free_bits: float = 0.2        # nats per latent dimension
    anneal_steps: int = 2000      # KL weight rises linearly 0 → 1 over this many steps
    n_positions: int = 4          # sentence position classes in the conditioning
    tag_dim: int = 64             # size of the learned conditioning embedding c

    @property
    def n_cond(self) -> int:
        """Width of the raw conditioning ``[a; f; p]``."""
        return 2 * self.n_tags + self.n_positions


class Decoder(nn.Module):
    """LSTM language model on [word embedding; c] where c is the conditioning vector."""

    def __init__(self, vocab_size: int, embed: int, hidden: int, cond: int) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed, padding_idx=0)
        self.init = nn.Linear(cond, 2 * hidden)
        self.lstm = nn.LSTM(embed + cond, hidden, batch_first=True)
        self.out = nn.Linear(hidden, vocab_size)
        self.hidden = hidden

    def start(self, cond: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Initial LSTM state from the conditioning vector."""
        h, c = torch.tanh(self.init(cond)).chunk(2, dim=-1)
        return h.unsqueeze(0).contiguous(), c.unsqueeze(0).contiguous()

    def forward(self, inputs: torch.Tensor, cond: torch.Tensor,
                state: tuple[torch.Tensor, torch.Tensor] | None = None
                ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        """Logits [B,T,V] for input ids [B,T] and the new state."""
        if state is None:
            state = self.start(cond)
        x = self.embed(inputs)
        x = torch.cat([x, cond.unsqueeze(1).expand(-1, x.size(1), -1)], dim=-1)
        out, state = self.lstm(x, state)
        return self.out(out), state


def shift_inputs(ids: torch.Tensor) -> torch.Tensor:
    """Decoder inputs: <bos> followed by the targets without their last position."""
    bos = torch.full((ids.size(0), 1), BOS_ID, dtype=ids.dtype)
    return torch.cat([bos, ids[:, :-1]], dim=1)


def token_nll(logits: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
    """Per-sentence summed negative log-likelihood [B] (padding ignored)."""
    nll = F.cross_entropy(logits.transpose(1, 2), ids, ignore_index=0, reduction="none")
    return nll.sum(dim=1)


class CVAE(nn.Module):
    """Encoder q(z | x, c) and decoder p(x | z, c) with a standard normal prior.

    Every method takes the *raw* conditioning ``attrs`` = ``[a; f; p]`` [B, n_cond].
    """

    def __init__(self, config: CVAEConfig) -> None:
        super().__init__()
        self.config = config
        self.enc_embed = nn.Embedding(config.vocab_size, config.embed, padding_idx=0)
        self.encoder = nn.LSTM(config.embed, config.hidden, batch_first=True)
        self.condition = nn.Linear(config.n_cond, config.tag_dim)
        self.to_stats = nn.Linear(config.hidden + config.tag_dim, 2 * config.latent)
        self.decoder = Decoder(config.vocab_size, config.embed, config.hidden,
                               config.latent + config.tag_dim)

    def decoder_input(self, z: torch.Tensor, attrs: torch.Tensor) -> torch.Tensor:
        """The decoder's conditioning ``[z; c]`` for latents and raw conditioning rows."""
        return torch.cat([z, self.condition(attrs)], dim=-1)

    def encode(self, ids: torch.Tensor, lengths: torch.Tensor, attrs: torch.Tensor
               ) -> tuple[torch.Tensor, torch.Tensor]:
        """(μ, log σ²) of q(z | x, c)."""
        packed = pack_padded_sequence(self.enc_embed(ids), lengths.cpu(), batch_first=True,
                                      enforce_sorted=False)
        _, (h, _) = self.encoder(packed)
        stats = self.to_stats(torch.cat([h[-1], self.condition(attrs)], dim=-1))
        mu, logvar = stats.chunk(2, dim=-1)
        return mu, logvar

    def decode_nll(self, ids: torch.Tensor, z: torch.Tensor, attrs: torch.Tensor,
                   word_dropout: float = 0.0) -> torch.Tensor:
        """Summed NLL per sentence of ``ids`` given z and the raw conditioning."""
        inputs = shift_inputs(ids)
        if word_dropout > 0:
            drop = (torch.rand(inputs.shape) < word_dropout) & (inputs > BOS_ID)
            inputs = inputs.masked_fill(drop, UNK_ID)
        logits, _ = self.decoder(inputs, self.decoder_input(z, attrs))
        return token_nll(logits, ids)

    def loss(self, ids: torch.Tensor, lengths: torch.Tensor, attrs: torch.Tensor, beta: float
             ) -> tuple[torch.Tensor, dict[str, float]]:
        """Training loss (per sentence): NLL + β · free-bits KL; also the plain figures."""
        mu, logvar = self.encode(ids, lengths, attrs)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        nll = self.decode_nll(ids, z, attrs, self.config.word_dropout).mean()
        kl_dims = 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).mean(dim=0)
        kl_floor = torch.clamp(kl_dims, min=self.config.free_bits).sum()
        return nll + beta * kl_floor, {"nll": nll.item(), "kl": kl_dims.sum().item()}

    @torch.no_grad()
    def elbo_terms(self, ids: torch.Tensor, lengths: torch.Tensor, attrs: torch.Tensor
                   ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Per-sentence (NLL with one z sample, KL, μ) for evaluation."""
        mu, logvar = self.encode(ids, lengths, attrs)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        kl = 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum(dim=-1)
        return self.decode_nll(ids, z, attrs), kl, mu

    @torch.no_grad()
    def importance_log_likelihood(self, ids: torch.Tensor, lengths: torch.Tensor,
                                  attrs: torch.Tensor, samples: int = 20) -> torch.Tensor:
        """Importance-weighted estimate of log p(x | a) per sentence with ``samples`` draws of q."""
        mu, logvar = self.encode(ids, lengths, attrs)
        std = torch.exp(0.5 * logvar)
        weights = []
        for _ in range(samples):
            eps = torch.randn_like(mu)
            z = mu + eps * std
            log_q = (-0.5 * eps.pow(2) - 0.5 * logvar - 0.5 * math.log(2 * math.pi)).sum(-1)
            log_p = (-0.5 * z.pow(2) - 0.5 * math.log(2 * math.pi)).sum(-1)
            weights.append(-self.decode_nll(ids, z, attrs) + log_p - log_q)
        return torch.logsumexp(torch.stack(weights), dim=0) - math.log(samples)


@torch.no_grad()
def generate(decoder: Decoder, cond: torch.Tensor, max_len: int = 32, temperature: float = 0.0,
             beam: int = 1, generator: torch.Generator | None = None) -> list[list[int]]:
    """Decode one sentence per row of ``cond``: greedy (T=0), sampled (T>0) or beam; no repeated 3-gram."""
    if beam > 1:
        return [_beam_one(decoder, cond[i:i + 1], max_len, beam) for i in range(cond.size(0))]
    batch = cond.size(0)
    state = decoder.start(cond)
    token = torch.full((batch, 1), BOS_ID, dtype=torch.long)
    out: list[list[int]] = [[] for _ in range(batch)]
    done = [False] * batch
    for _ in range(max_len):
        logits, state = decoder(token, cond, state)
        logits = logits[:, -1].clone()
        logits[:, 0] = logits[:, BOS_ID] = logits[:, UNK_ID] = -1e9
        for i in range(batch):
            for banned in _banned(out[i]):
                logits[i, banned] = -1e9
        if temperature > 0:
            probs = torch.softmax(logits / temperature, dim=-1)
            nxt = torch.multinomial(probs, 1, generator=generator).squeeze(1)
        else:
            nxt = logits.argmax(dim=-1)
        for i in range(batch):
            if not done[i]:
                if int(nxt[i]) == EOS_ID:
                    done[i] = True
                else:
                    out[i].append(int(nxt[i]))
        if all(done):
            break
        token = nxt.unsqueeze(1)
    return out


def _banned(seq: list[int]) -> set[int]:
    """Next tokens that would repeat a 3-gram already in ``seq``."""
    if len(seq) < 2:
        return set()
    a, b = seq[-2], seq[-1]
    return {seq[i + 2] for i in range(len(seq) - 2) if seq[i] == a and seq[i + 1] == b}


def _beam_one(decoder: Decoder, cond: torch.Tensor, max_len: int, width: int) -> list[int]:
    beams: list[tuple[float, list[int], Any]] = [(0.0, [], decoder.start(cond))]
    finished: list[tuple[float, list[int]]] = []
    for _ in range(max_len):
        grown = []
        for score, seq, state in beams:
            token = torch.tensor([[seq[-1] if seq else BOS_ID]])
            logits, new_state = decoder(token, cond, state)
            logp = torch.log_softmax(logits[0, -1], dim=-1)
            logp[0] = logp[BOS_ID] = logp[UNK_ID] = -1e9
            for banned in _banned(seq):
                logp[banned] = -1e9
            top = torch.topk(logp, width)
            for lp, idx in zip(top.values.tolist(), top.indices.tolist(), strict=True):
                grown.append((score + lp, seq + [idx], new_state))
        grown.sort(key=lambda b: -b[0])
        beams = []
        for score, seq, state in grown[:width]:
            if seq[-1] == EOS_ID:
                finished.append((score / len(seq), seq[:-1]))
            else:
                beams.append((score, seq, state))
        if not beams:
            break
    finished += [(s / max(1, len(q)), q) for s, q, _ in beams]
    return max(finished, key=lambda f: f[0])[1]


def save(model: CVAE, path: str | Path, metrics: dict[str, Any], extra: dict[str, Any]) -> None:
    """Save a CVAE checkpoint (float16 weights)."""
    state = {k: v.half() if v.is_floating_point() else v for k, v in model.state_dict().items()}
    save_checkpoint(path, Checkpoint(KIND, FORMAT_VERSION, config_to_dict(model.config), state,
                                     metrics, extra))


def load(path: str | Path) -> tuple[CVAE, Checkpoint]:
    """Load a CVAE checkpoint (weights back to float32), in eval mode."""
    ckpt = load_checkpoint(path, KIND, FORMAT_VERSION)
    config = config_from_dict(CVAEConfig, ckpt.config)
    check_weights(path, lambda: CVAE(config), ckpt.state_dict)
    model = CVAE(config)
    model.load_state_dict({k: v.float() if v.is_floating_point() else v
                           for k, v in ckpt.state_dict.items()})
    return model.eval(), ckpt
