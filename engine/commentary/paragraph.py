"""Paragraphs: plan which tags each sentence carries, decode candidates, keep the best of each.

A paragraph has 3–5 sentences (more tags, more sentences). **Plan**: the tags are ordered by
where training captions usually mention them (:attr:`Lexicon.positions`: quality and genre early,
mood and use late) and dealt to the sentences in that order; each sentence is conditioned on
the paragraph's tags ``a``, its own *focus* tags ``f`` and its position ``p``. **Latents**: a
paragraph has one latent z; sentence i decodes ``R_i z`` (fixed random rotations, ``R_0 = I``), so
every sentence gets its own prior sample and all of them follow z (interpolation moves them
together). **Decoding**: ``candidates`` samples per sentence (nucleus sampling, no verbatim
training sentence, the focus tags' words favoured by ``focus_boost``: :mod:`decoding`); the VAE
and GAN columns share z and the sampling noise.
**Choice**: per column, sentence by sentence, the candidate that mentions most of its focus
tags, without contradicting the tags or earlier sentences (:mod:`aspects`), repeating an
earlier sentence, a word of its own, or the previous sentence's opening, and reusing fewest
word pairs already written in this call.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from engine.commentary import aspects, corpus
from engine.commentary.decoding import Focus, decode, uniforms
from engine.commentary.words import STOP, content_stems, runs, stem, text_stems

MIN_SENTENCES, MAX_SENTENCES = 3, 5


@dataclass
class Decoding:
    """How sentences are drawn: temperature 0 is greedy (one candidate)."""

    temperature: float = 0.9
    top_p: float = 0.9
    candidates: int = 4
    max_len: int = 32
    focus_boost: float = 0.0   # logit bonus for the words of a sentence's focus tags


@dataclass
class Written:
    """One paragraph pair: sentences per column and the focus tags of each sentence."""

    vae: list[str]
    gan: list[str]
    plan: list[list[int]]


def sentence_count(n_tags: int) -> int:
    """3 sentences up to 6 tags, 4 for 7–8, 5 beyond."""
    return min(MAX_SENTENCES, max(MIN_SENTENCES, math.ceil(n_tags / 2)))


def plan(tags: list[int], positions: list[float], sentences: int | None = None) -> list[list[int]]:
    """Deal ``tags`` (conditioning indices) to sentences by their usual position in captions."""
    n = sentences or sentence_count(len(tags))
    order = sorted(tags, key=lambda t: (positions[t], tags.index(t)))
    slots: list[list[int]] = [[] for _ in range(n)]
    if len(order) >= n:
        start = 0
        for i in range(n):
            size = len(order) // n + (1 if i < len(order) % n else 0)
            slots[i] = order[start:start + size]
            start += size
        return slots
    for tag in order:
        want = round(positions[tag] * (n - 1))
        free = [i for i in range(n) if not slots[i]]
        slots[min(free, key=lambda i: (abs(i - want), i))].append(tag)
    return slots


def paragraph_seed(seed: int, z: torch.Tensor) -> int:
    """The sampling seed of one paragraph: set by ``seed`` and its latent alone, so a paragraph
    comes out the same whatever else is written with it (regenerating from a stored z)."""
    digest = hashlib.blake2b(f"{seed}:{[round(float(x), 5) for x in z]}".encode(), digest_size=7)
    return int.from_bytes(digest.digest(), "big")


def rotations(latent: int, count: int = MAX_SENTENCES, seed: int = 20251) -> torch.Tensor:
    """Fixed orthogonal matrices [count, d, d] (the first is the identity)."""
    generator = torch.Generator().manual_seed(seed)
    mats = [torch.eye(latent)]
    for _ in range(count - 1):
        q, r = torch.linalg.qr(torch.randn(latent, latent, generator=generator))
        mats.append(q * torch.sign(torch.diagonal(r)).unsqueeze(0))
    return torch.stack(mats)


class Writer:
    """Writes VAE | GAN paragraph pairs with a CVAE, an LC-GAN generator and a lexicon."""

    def __init__(self, cvae: Any, generator: Any, vocab: corpus.Vocab, lexicon: Any) -> None:
        self.cvae, self.generator, self.vocab, self.lexicon = cvae, generator, vocab, lexicon
        self.rotations = rotations(cvae.config.latent)
        self.stems_of = [frozenset(stem(p) for p in runs(w)) | {stem("".join(runs(w)))}
                         if w.isascii() and runs(w) else frozenset() for w in vocab.words]
        self.ids: dict[str, list[int]] = {}
        for i, found in enumerate(self.stems_of):
            if i > 3:  # not the specials
                for s in found:
                    self.ids.setdefault(s, []).append(i)
        self.tag_stems = [set(content_stems(t)) for t in vocab.tags]

    def write(self, z: torch.Tensor, tag_lists: list[list[int]], decoding: Decoding,
              seed: int = 1, gan: bool = True, plans: list[list[list[int]]] | None = None
              ) -> list[Written]:
        """One paragraph pair per row of ``z`` [P, d] with the tags of ``tag_lists[p]``."""
        plans = plans or [plan(tags, self.lexicon.positions) for tags in tag_lists]
        k = 1 if decoding.temperature <= 0 else max(1, decoding.candidates)
        latents, rows, owners, noises = [], [], [], []
        for p, (tags, focus) in enumerate(zip(tag_lists, plans, strict=True)):
            a = np.zeros(len(self.vocab.tags), np.float32)
            a[tags] = 1.0
            for i, sentence_focus in enumerate(focus):
                for _ in range(k):
                    latents.append(self.rotations[i] @ z[p])
                    rows.append((a, sentence_focus, corpus.position_class(i, len(focus))))
                    owners.append((p, i))
            noises.append(uniforms(len(focus) * k, decoding.max_len, paragraph_seed(seed, z[p])))
        cond = torch.from_numpy(self.vocab.condition(np.stack([r[0] for r in rows]),
                                                     [r[1] for r in rows], [r[2] for r in rows]))
        latent = torch.stack(latents)
        with torch.no_grad():
            inputs = [self.cvae.decoder_input(latent, cond)]
            if gan:
                inputs.append(self.cvae.decoder_input(self.generator(latent, cond), cond))
            noise = torch.cat(noises, dim=1)
            wanted = [set().union(*(self.tag_stems[t] for t in r[1])) for r in rows]
            focus = Focus(decoding.focus_boost, wanted * len(inputs), self.ids, self.stems_of)
            ids = decode(self.cvae.decoder, torch.cat(inputs), noise.repeat(1, len(inputs)),
                         decoding.temperature, decoding.top_p, decoding.max_len,
                         self.vocab.words, self.lexicon.copy_hashes, focus=focus, no_echo=True)
        columns = [ids[c * len(rows):(c + 1) * len(rows)] for c in range(len(inputs))]
        chosen = [self._choose(col, owners, tag_lists, plans) for col in columns]
        return [Written(chosen[0][p], chosen[-1][p], plans[p]) for p in range(len(tag_lists))]

    def _choose(self, ids: list[list[int]], owners: list[tuple[int, int]],
                tag_lists: list[list[int]], plans: list[list[list[int]]]) -> list[list[str]]:
        """Per paragraph, sentence by sentence, the best candidate (see the module docstring)."""
        by_slot: dict[tuple[int, int], list[list[str]]] = {}
        for owner, seq in zip(owners, ids, strict=True):
            by_slot.setdefault(owner, []).append(self.vocab.decode(seq))
        used: set[str] = set()
        bigrams: set[tuple[str, str]] = set()
        paragraphs = []
        for p, focus in enumerate(plans):
            names = [self.vocab.tags[t] for t in tag_lists[p]]
            sides = aspects.sides(", ".join(names))
            both = set(aspects.conflicts(sides))
            done: list[list[str]] = []
            for i, wanted in enumerate(focus):
                best = max(by_slot[(p, i)], key=lambda toks: self._score(
                    toks, wanted, tag_lists[p], done, sides, both, used, bigrams))
                done.append(best)
                sides |= aspects.sides(" ".join(best))
                used.add(" ".join(best))
                bigrams.update(zip(best, best[1:], strict=False))
            paragraphs.append([corpus.detokenise(s) for s in done])
        return paragraphs

    def _score(self, tokens: list[str], wanted: list[int], tags: list[int],
               done: list[list[str]], sides: set[str], both: set[str], used: set[str],
               bigrams: set[tuple[str, str]]) -> float:
        if not tokens:
            return -10.0
        pairs = list(zip(tokens, tokens[1:], strict=False))
        score = -0.5 * sum(p in bigrams for p in pairs) / max(1, len(pairs))
        if wanted:
            score += 2.0 * len(self.lexicon.mentioned(tokens, wanted)) / len(wanted)
        others = [t for t in tags if t not in wanted]
        score += 0.25 * len(self.lexicon.mentioned(tokens, others))
        new = aspects.sides(" ".join(tokens))
        if set(aspects.conflicts(sides | new)) - both:
            score -= 2.0
        stems = text_stems(tokens)
        for earlier in done:
            overlap = stems & text_stems(earlier)
            if len(overlap) >= 0.7 * max(1, min(len(stems), len(text_stems(earlier)))):
                score -= 2.0
        if done and tokens[:3] == done[-1][:3]:
            score -= 0.5
        if " ".join(tokens) in used:
            score -= 1.5
        if self.lexicon.is_copy(tokens):
            score -= 3.0
        if sum(t.isalnum() for t in tokens) < 4:
            score -= 0.5
        words = [t for t in tokens if len(t) >= 4 and t not in STOP]
        score -= 0.5 * (len(words) - len(set(words)))  # "sad … sad"
        return score
