"""Batched sentence decoding for the writer: nucleus sampling, shared noise, no verbatim copies.

One call decodes a batch of conditioning rows ``[z; c]`` step by step:

- **greedy** (temperature 0) or **nucleus** sampling (temperature T, top-p, within the
  :data:`TOP_K` likeliest words): the next word is drawn by inverting the cumulative
  distribution with a uniform number per row and step. Rows
  given the same uniforms (the VAE and GAN columns of one sample) draw with the *same* noise, so
  they differ only where their distributions do.
- **no 3-gram repeats** inside a sentence (as :func:`cvae.generate`).
- **no verbatim training sentence**: when the words so far (punctuation ignored) form a whole
  training sentence (:attr:`Lexicon.copy_hashes`), ``<eos>`` is not allowed, so the decoder
  must go on; sentences also end only after ``min_words`` words.
- **focus words** (optional): a row may name stems to favour (its focus tags' words); each
  word carrying one of them gets ``+strength`` in the logits until a word with that stem is
  written (so "slow tempo" favours *slow* and *tempo* until each has appeared).
- **no echo** (optional): a content word (three letters or more, not a stop word) cannot come
  again within four words of itself, punctuation not counted ("synth synth", "calming and
  calming", "energetic, pulsating, energetic").
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import torch

from engine.commentary.cvae import BOS_ID, EOS_ID, UNK_ID, Decoder, _banned
from engine.commentary.words import PUNCTUATION, STOP, sentence_hash

NEG = -1e9
ECHO = 4      # a content word may not recur within this many words (with ``no_echo``)
TOP_K = 100  # the nucleus is drawn from at most this many words (a full sort costs 10x more)


@dataclass
class Focus:
    """Words to favour per row: ``rows[i]`` stems, ``ids[stem]`` the vocabulary ids carrying a
    stem, ``stems_of[id]`` the stems a vocabulary word carries."""

    strength: float
    rows: list[set[str]]
    ids: dict[str, list[int]]
    stems_of: list[frozenset[str]]


def uniforms(rows: int, max_len: int, seed: int) -> torch.Tensor:
    """Seeded uniform noise [max_len, rows] for :func:`decode`."""
    return torch.rand(max_len, rows, generator=torch.Generator().manual_seed(seed))


@torch.no_grad()
def decode(decoder: Decoder, cond: torch.Tensor, noise: torch.Tensor | None = None,
           temperature: float = 0.0, top_p: float = 1.0, max_len: int = 32,
           words: list[str] | None = None, copy_hashes: Collection[int] = (),
           min_words: int = 3, focus: Focus | None = None, no_echo: bool = False
           ) -> list[list[int]]:
    """Decode one sentence per row of ``cond`` (see the module docstring); ids without ``<eos>``."""
    batch = cond.size(0)
    if noise is None:
        noise = uniforms(batch, max_len, 0)
    state = decoder.start(cond)
    token = torch.full((batch, 1), BOS_ID, dtype=torch.long)
    out: list[list[int]] = [[] for _ in range(batch)]
    done = [False] * batch
    punct = {i for i, w in enumerate(words or []) if w in PUNCTUATION}
    wanted = [set(r) for r in focus.rows] if focus is not None and focus.strength else None
    content = {i for i, w in enumerate(words or []) if len(w) >= 3 and w not in STOP} \
        if no_echo else set()
    for step in range(max_len):
        logits, state = decoder(token, cond, state)
        logits = logits[:, -1].clone()
        logits[:, 0] = logits[:, BOS_ID] = logits[:, UNK_ID] = NEG
        for i in range(batch):
            if done[i]:
                continue
            for banned in _banned(out[i]):
                logits[i, banned] = NEG
            if _must_go_on(out[i], punct, words, copy_hashes, min_words):
                logits[i, EOS_ID] = NEG
            if content:
                for recent in [t for t in out[i][-2 * ECHO:] if t not in punct][-ECHO:]:
                    if recent in content:
                        logits[i, recent] = NEG
            if wanted is not None and wanted[i]:
                ids = sorted({j for stem in wanted[i] for j in focus.ids.get(stem, ())})
                logits[i, ids] += focus.strength
        nxt = _choose(logits, noise[step], temperature, top_p)
        for i in range(batch):
            if not done[i]:
                if int(nxt[i]) == EOS_ID:
                    done[i] = True
                else:
                    out[i].append(int(nxt[i]))
                    if wanted is not None:
                        wanted[i] -= focus.stems_of[int(nxt[i])]
        if all(done):
            break
        token = nxt.unsqueeze(1)
    return out


def _must_go_on(seq: list[int], punct: set[int], words: list[str] | None,
                copy_hashes: Collection[int], min_words: int) -> bool:
    """Whether ``<eos>`` is barred after ``seq``: too short, or a whole training sentence."""
    count = sum(1 for t in seq if t not in punct)
    if count < min_words:
        return True
    if words is None or not copy_hashes:
        return False
    return sentence_hash([words[t] for t in seq]) in copy_hashes


def _choose(logits: torch.Tensor, noise: torch.Tensor, temperature: float, top_p: float
            ) -> torch.Tensor:
    """Greedy, or the nucleus draw at ``noise`` (one uniform per row) among the TOP_K likeliest."""
    if temperature <= 0:
        return logits.argmax(dim=-1)
    scaled = logits / temperature
    top, order = scaled.topk(min(TOP_K, scaled.size(1)), dim=-1)  # sorted, descending
    sorted_probs = torch.exp(top - torch.logsumexp(scaled, dim=-1, keepdim=True))
    cumulative = sorted_probs.cumsum(dim=-1)
    keep = (cumulative - sorted_probs) < top_p   # always keeps the most likely word
    sorted_probs = sorted_probs * keep
    cumulative = sorted_probs.cumsum(dim=-1)
    target = noise.unsqueeze(1) * cumulative[:, -1:]
    pick = torch.searchsorted(cumulative, target).clamp(max=order.size(1) - 1)
    return order.gather(1, pick).squeeze(1)


def texts(ids: list[list[int]], vocab: Any) -> list[list[str]]:
    """Token lists of decoded id lists."""
    return [vocab.decode(seq) for seq in ids]
