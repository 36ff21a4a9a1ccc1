"""Constrained line decoding: sample several candidates, choose by model score plus constraints.

For one line, :func:`choose_line` draws ``candidates`` lines in one batch from an artist's
:class:`~engine.lyrics.model.Context` (the song so far), remembering the LSTM state at every word
boundary. Each candidate offers several endings: stop after any of its words (scored by the model's
probability of a newline there), or, when the line must rhyme, replace one of its last words by a
rhyming word of the artist's vocabulary, scored exactly by the model from the state before that
word (rhymes are pre-filtered by the probability of their first letter). Every ending is scored as
mean log-probability per character minus penalties for invented words, missing rhyme and syllables
off target; the best one is the line. Reproducible for a given ``torch.Generator``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import torch

from engine.lyrics import prosody
from engine.lyrics.schemes import (  # noqa: F401 - re-exported for callers of this module
    METRES,
    RHYMES,
    LineGoal,
    normalise_metre,
    normalise_rhyme,
    opens_rhyme,
    rhyme_partner,
    syllable_target,
)

INVALID_PENALTY = 3.0
RHYME_PENALTY = 2.5
SYLLABLE_PENALTY = 1.0
ORPHAN_PENALTY = 0.8
_RHYME_SHORTLIST = 16
# Characters a sung line never needs: quotation marks glued to words ('fear.""And'), the "&c."
# of printed song books, digits of numbered stanzas, markup. Constrained lines never draw them.
UNSUNG = '"&*_#[]{}<>|/\\@~^`+=0123456789'


@lru_cache(maxsize=8)
def _spelling_index(words: frozenset[str]) -> dict[str, list[str]]:
    index: dict[str, list[str]] = {}
    for w in sorted(words):
        index.setdefault(prosody.spelling_key(w), []).append(w)
    return index


@lru_cache(maxsize=4096)
def rhyme_candidates(word: str, words: frozenset[str]) -> list[str]:
    """Words that rhyme with ``word``: the artist's vocabulary (or the dictionary if it has none)."""
    found = prosody.rhyming_words(word)
    if words:
        found = {w for w in found if w in words}
    if not prosody.rhyme_keys(word) and words:
        found |= set(_spelling_index(words).get(prosody.spelling_key(word), ()))
    found.discard(word)
    return sorted(w for w in found if w.isalpha() and len(w) > 1 or w in ("a", "i", "o"))


def _step(stepper: object, ids: torch.Tensor, h: list[torch.Tensor], c: list[torch.Tensor]) -> torch.Tensor:
    """One batched step of the fused LSTM (``ids`` of shape ``(N,)``); returns ``(N, V)`` logits."""
    s = stepper
    gates = torch.addmm(s.table[ids], h[0], s.w_hh0)  # type: ignore[attr-defined]
    x = s._cell(gates, h, c, 0)  # type: ignore[attr-defined]
    for k, (w, b) in enumerate(zip(s.w_cat, s.bias, strict=True), start=1):  # type: ignore[attr-defined]
        x = s._cell(torch.addmm(b, torch.cat([x, h[k]], 1), w), h, c, k)  # type: ignore[attr-defined]
    return torch.addmm(s.head_b, x, s.head_w)  # type: ignore[attr-defined]


@dataclass
class _Batch:
    texts: list[str]
    logp: list[list[float]]  # cumulative model log-prob before each position
    nl: list[list[float]]  # log P(newline) at each position
    states: list[tuple[list[torch.Tensor], list[torch.Tensor]]]  # batch state before each step
    logits: list[torch.Tensor]  # next-character logits at each position, ``(k, V)``


@torch.no_grad()
def _sample_batch(context: object, k: int, temperature: float, generator: torch.Generator,
                  max_chars: int, min_syllables: int = 0) -> _Batch:
    """Draw ``k`` candidate lines at once; keep the state and log-probs at every position.

    A line may not end before it has ``min_syllables`` vowel groups (a cheap syllable estimate).
    """
    h0, c0, last = context.state()  # type: ignore[attr-defined]
    vocab = context.artist.vocab  # type: ignore[attr-defined]
    stepper = context.stepper  # type: ignore[attr-defined]
    newline = vocab.stoi["\n"]
    h = [t.expand(k, -1).contiguous() for t in h0]
    c = [t.expand(k, -1).contiguous() for t in c0]
    logits = last.unsqueeze(0).expand(k, -1)
    inv_t = 1.0 / max(temperature, 1e-3)
    done = torch.zeros(k, dtype=torch.bool)
    vowel = torch.tensor([ch in "aeiouyAEIOUY" for ch in vocab.itos])
    unsung = torch.tensor([ch in UNSUNG for ch in vocab.itos])
    in_vowel = torch.zeros(k, dtype=torch.bool)
    groups = torch.zeros(k, dtype=torch.long)
    chars: list[torch.Tensor] = []
    logps: list[torch.Tensor] = []
    nls: list[torch.Tensor] = []
    states = []
    history = []
    for t in range(max_chars):
        logprob = torch.log_softmax(logits, dim=1)
        scores = logits * inv_t
        scores[:, 0] = float("-inf")
        scores[:, unsung] = float("-inf")
        if t == 0:
            scores[:, newline] = float("-inf")
        elif min_syllables:
            scores[:, newline] = scores[:, newline].masked_fill(groups < min_syllables, float("-inf"))
        nxt = torch.multinomial(torch.softmax(scores, 1), 1, generator=generator).squeeze(1)
        nxt = torch.where(done, torch.full_like(nxt, newline), nxt)
        is_vowel = vowel[nxt]
        groups += (is_vowel & ~in_vowel).long()
        in_vowel = is_vowel
        states.append((h, c))
        history.append(logits)
        nls.append(logprob[:, newline])
        logps.append(logprob.gather(1, nxt.unsqueeze(1)).squeeze(1))
        chars.append(nxt)
        done = done | (nxt == newline)
        if bool(done.all()):
            break
        h, c = list(h), list(c)
        logits = _step(stepper, nxt, h, c)
    ids = torch.stack(chars, 1).tolist()
    cum = torch.cumsum(torch.stack([torch.zeros(k)] + logps, 1), 1).tolist()
    nl = torch.stack(nls, 1).tolist()
    texts = []
    for row in ids:
        end = row.index(newline) if newline in row else len(row)
        texts.append(vocab.decode(row[:end]))
    return _Batch(texts, cum, nl, states, history)


@dataclass
class _Option:
    text: str
    score: float
    prefix_at: int = -1  # candidate position where a rhyme word is to be scored (substitution)
    row: int = -1
    syllables_left: int | None = None


def _ending_penalty(text: str, goal: LineGoal, words: frozenset[str]) -> float:
    """Penalty (nats/char units) of a finished line for the constraints it breaks."""
    ws = prosody.words_of(text)
    if not ws:
        return 10.0
    pen = 0.0
    if goal.real_words:
        pen += INVALID_PENALTY * sum(not prosody.is_real(w, words) for w in ws)
    if goal.syllables is not None:
        pen += SYLLABLE_PENALTY * abs(prosody.line_syllables(text) - goal.syllables)
    last = ws[-1]
    if goal.rhyme_with is not None and (last == goal.rhyme_with or not prosody.rhymes(last, goal.rhyme_with)):
        pen += RHYME_PENALTY
    if goal.opens_rhyme and len(rhyme_candidates(last, words)) < 3:
        pen += ORPHAN_PENALTY
    if last in goal.avoid:
        pen += ORPHAN_PENALTY
    return pen


def _options(batch: _Batch, goal: LineGoal, words: frozenset[str]) -> list[_Option]:
    """Every way to end every candidate: cut after a word, or (rhyming) swap in a rhyme word."""
    out: list[_Option] = []
    for row, text in enumerate(batch.texts):
        cum, nl = batch.logp[row], batch.nl[row]
        natural = len(text) < len(nl)
        for pos in range(1, len(text) + 1):
            at_end = pos == len(text)
            if at_end and not natural:
                break
            if not at_end and not (text[pos] == " " and text[pos - 1] != " "):
                continue
            line = text[:pos].rstrip()
            score = (cum[pos] + nl[pos]) / (pos + 1)
            out.append(_Option(line, score - _ending_penalty(line, goal, words)))
        if goal.rhyme_with is None:
            continue
        starts = [p for p in range(1, len(text)) if text[p - 1] == " " and text[p].isalpha()]
        if goal.syllables is None:
            starts = starts[-2:] if natural else []
        for pos in starts:
            left = None
            if goal.syllables is not None:
                left = goal.syllables - prosody.line_syllables(text[:pos])
                if not 1 <= left <= 4:
                    continue
            out.append(_Option(text[:pos], cum[pos], prefix_at=pos, row=row, syllables_left=left))
    return out


@torch.no_grad()
def _score_rhymes(context: object, batch: _Batch, subs: list[_Option], goal: LineGoal,
                  words: frozenset[str]) -> list[_Option]:
    """Finish substitution options with the best-scoring rhyme words (exact model scores)."""
    if goal.rhyme_with is None or not subs:
        return []
    pool = rhyme_candidates(goal.rhyme_with, words)
    if not pool or not subs:
        return []
    vocab = context.artist.vocab  # type: ignore[attr-defined]
    stepper = context.stepper  # type: ignore[attr-defined]
    seqs: list[tuple[_Option, str]] = []
    for opt in subs:
        need = opt.syllables_left
        fits = [w for w in pool if need is None or prosody.word_syllables(w) == need]
        first = torch.log_softmax(batch.logits[opt.prefix_at][opt.row], 0).tolist()
        fits.sort(key=lambda w, f=first: -f[vocab.stoi.get(w[0], 0)])
        seqs.extend((opt, w) for w in fits[:_RHYME_SHORTLIST])
    if not seqs:
        return []
    n = len(seqs)
    longest = max(len(w) for _, w in seqs) + 1
    ids = torch.full((n, longest), vocab.stoi["\n"], dtype=torch.long)
    mask = torch.zeros(n, longest)
    for i, (_, w) in enumerate(seqs):
        enc = vocab.encode(w + "\n")
        ids[i, : len(enc)] = torch.tensor(enc)
        mask[i, : len(enc)] = 1.0
    layers = len(batch.states[0][0])
    h = [torch.stack([batch.states[o.prefix_at][0][j][o.row] for o, _ in seqs]) for j in range(layers)]
    c = [torch.stack([batch.states[o.prefix_at][1][j][o.row] for o, _ in seqs]) for j in range(layers)]
    logits = torch.stack([batch.logits[o.prefix_at][o.row] for o, _ in seqs])
    total = torch.zeros(n)
    for t in range(longest):
        total += torch.log_softmax(logits, 1).gather(1, ids[:, t : t + 1]).squeeze(1) * mask[:, t]
        if t + 1 < longest:
            logits = _step(stepper, ids[:, t], h, c)
    out = []
    for i, (opt, w) in enumerate(seqs):
        line = opt.text + w
        score = (opt.score + float(total[i])) / (len(line) + 1)
        out.append(_Option(line, score - _ending_penalty(line, goal, words)))
    return out


def choose_line(context: object, goal: LineGoal, temperature: float, generator: torch.Generator,
                candidates: int = 12, max_chars: int = 200) -> str:
    """Sample ``candidates`` lines from ``context`` and return the best under ``goal``."""
    words = context.artist.words  # type: ignore[attr-defined]
    if goal.syllables is not None:
        max_chars = min(max_chars, 5 * goal.syllables + 12)
    least = goal.syllables or 0
    batch = _sample_batch(context, candidates, temperature, generator, max_chars, least)
    opts = _options(batch, goal, words)
    finished = [o for o in opts if o.prefix_at < 0]
    subs = sorted((o for o in opts if o.prefix_at >= 0), key=lambda o: -o.score / max(o.prefix_at, 1))
    finished += _score_rhymes(context, batch, subs[:6], goal, words)
    if not finished:
        return batch.texts[0].strip() or "..."
    return max(finished, key=lambda o: o.score).text.strip()
