"""Constrained line decoding: sample candidates, plan the line's end, rank whole lines by likelihood.

For one line, :func:`choose_line` draws ``candidates`` lines in one batch from an artist's
:class:`~engine.lyrics.model.Context` (the song so far), remembering the LSTM state at every word
boundary. Each candidate offers several endings:

- stop after any of its words (the model's probability of a newline there is part of the score);
- when the line must rhyme, the end word is planned first: the rhyme words of the partner's class
  (CMU primary pronunciation: stressed vowel and what follows) in the artist's vocabulary that the
  writers end lines with, with the syllables the metre leaves after a candidate's prefix; each is
  put after every such prefix and the whole line — prefix, rhyme word and the newline after it — is
  scored exactly, so a rhyme word that does not follow from its prefix loses.

Every ending is scored as its mean log-probability per character under the writer's predictor
(:mod:`engine.lyrics.mixture`: the LSTM interpolated with Kneser-Ney n-grams and a song cache, or
the LSTM alone for artists without one), minus penalties for invented words, a missing rhyme,
syllables off target, a repeated or rhymeless end word, and an end on a function word the writers
rarely end a line with. The best one is the line. Reproducible for a given ``torch.Generator``.
"""

from __future__ import annotations

import math
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
FUNCTION_PENALTY = 4.0
STUTTER_PENALTY = 2.0  # a function word twice in a row ("shall shall", "the the")
FUNCTION_SOFT_PENALTY = 0.3  # a function word writers do end lines with ("be", "art"): now and then
# A function word may end a line when at least this share of its occurrences in the bundled
# writers' training text end a line ("be", "art", "might", "through" do; "the", "of", "and" don't).
FUNCTION_END_RATE = 0.03
# Weight of the writer's word model next to its characters' in the final ranking.
WORD_WEIGHT = 1.5
_RHYME_SHORTLIST = 16
_RHYME_PREFIXES = 10
# Characters a sung line never needs: quotation marks glued to words ('fear.""And'), the "&c."
# of printed song books, digits of numbered stanzas, markup. Constrained lines never draw them.
UNSUNG = '"&*_#[]{}<>|/\\@~^`+=0123456789'


@lru_cache(maxsize=8)
def _spelling_index(words: frozenset[str]) -> dict[str, list[str]]:
    index: dict[str, list[str]] = {}
    for w in sorted(words):
        index.setdefault(prosody.spelling_key(w), []).append(w)
    return index


@lru_cache(maxsize=1)
def end_rates() -> dict[str, float]:
    """Share of each word's occurrences that end a line, over the bundled writers' training songs
    (empty when the bundled texts are missing)."""
    try:
        from engine.lyrics.writer_splits import bundled_splits

        return prosody.line_end_rates("".join(s.train for s in bundled_splits()))
    except (OSError, ValueError, LookupError):
        return {}


def weak_ending(word: str) -> bool:
    """A function word the writers rarely end a line with ("the", "of", "and", "my", "shall")."""
    return word in prosody.FUNCTION_WORDS and end_rates().get(word, 0.0) < FUNCTION_END_RATE


@lru_cache(maxsize=4096)
def rhyme_candidates(word: str, words: frozenset[str]) -> list[str]:
    """Words that rhyme with ``word``: the artist's vocabulary (or the dictionary if it has none),
    most often found at the end of a line first; weak endings left out."""
    found = prosody.rhyming_words(word)
    if words:
        found = {w for w in found if w in words}
    if not prosody.rhyme_keys(word) and words:
        found |= set(_spelling_index(words).get(prosody.spelling_key(word), ()))
    found.discard(word)
    rates = end_rates()
    kept = [w for w in found if (w.isalpha() and len(w) > 1 or w in ("a", "i", "o")) and not weak_ending(w)]
    return sorted(kept, key=lambda w: (-rates.get(w, 0.0), w))


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
    score: float  # mean log-probability per character (newline included) minus penalties
    logp: float = 0.0  # total character log-probability, newline included
    penalty: float = 0.0
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
    pen += STUTTER_PENALTY * sum(a == b and a in prosody.FUNCTION_WORDS
                                 for a, b in zip(ws, ws[1:], strict=False))
    if weak_ending(last):
        pen += FUNCTION_PENALTY
    elif last in prosody.FUNCTION_WORDS:
        pen += FUNCTION_SOFT_PENALTY
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
            total = cum[pos] + nl[pos]
            pen = _ending_penalty(line, goal, words)
            out.append(_Option(line, total / (pos + 1) - pen, total, pen))
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


def _apply_predictor(batch: _Batch, predictor: object, history: str, vocab: object) -> object:
    """Rescore every candidate under the writer's predictor: replace the LSTM's cumulative
    log-probabilities and newline log-probabilities by the mixture's; return the song cache."""
    if predictor is None or predictor.pure:  # type: ignore[attr-defined]
        return None
    cache = predictor.cache_for(history)  # type: ignore[attr-defined]
    seqs, lstm, lstm_nl = [], [], []
    for row, text in enumerate(batch.texts):
        n = len(text)
        cum, nl = batch.logp[row], batch.nl[row]
        seqs.append(vocab.encode(text))  # type: ignore[attr-defined]
        lstm.append([cum[i + 1] - cum[i] for i in range(n)])
        lstm_nl.append((nl + [-30.0])[: n + 1])
    mixed, mixed_nl = predictor.line_logprobs(history, cache, seqs, lstm, lstm_nl)  # type: ignore[attr-defined]
    for row, (m, m_nl) in enumerate(zip(mixed, mixed_nl, strict=True)):
        batch.logp[row] = [0.0, *(float(x) for x in m.cumsum())]
        batch.nl[row] = [float(x) for x in m_nl]
    return cache


@torch.no_grad()
def _score_rhymes(context: object, batch: _Batch, subs: list[_Option], goal: LineGoal,
                  words: frozenset[str], predictor: object = None, history: str = "",
                  cache: object = None) -> list[_Option]:
    """Plan the end word: put rhyme words after candidate prefixes; score each whole line exactly."""
    if goal.rhyme_with is None or not subs:
        return []
    pool = rhyme_candidates(goal.rhyme_with, words)
    if not pool:
        return []
    vocab = context.artist.vocab  # type: ignore[attr-defined]
    stepper = context.stepper  # type: ignore[attr-defined]
    rates = end_rates()
    seqs: list[tuple[_Option, str]] = []
    for opt in subs:
        need = opt.syllables_left
        # Exactly the syllables the metre leaves, or one off (scored with its syllable penalty).
        off = {w: 0 if need is None else abs(prosody.word_syllables(w) - need) for w in pool}
        fits = [w for w in pool if off[w] <= 1 and w not in goal.avoid]
        first = torch.log_softmax(batch.logits[opt.prefix_at][opt.row], 0).tolist()
        # First letter under the model, plus how often writers end a line with the word.
        fits.sort(key=lambda w, f=first: -(f[vocab.stoi.get(w[0], 0)] - SYLLABLE_PENALTY * off[w]
                                           + 0.5 * math.log(rates.get(w, 0.0) + 1e-3)))
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
    per_char = torch.zeros(n, longest)
    for t in range(longest):
        per_char[:, t] = torch.log_softmax(logits, 1).gather(1, ids[:, t : t + 1]).squeeze(1) * mask[:, t]
        if t + 1 < longest:
            logits = _step(stepper, ids[:, t], h, c)
    totals = per_char.sum(1).tolist()
    if predictor is not None and not predictor.pure and cache is not None:  # type: ignore[attr-defined]
        by_prefix: dict[int, list[int]] = {}
        for i, (opt, _) in enumerate(seqs):
            by_prefix.setdefault(id(opt), []).append(i)
        rows = per_char.tolist()
        for members in by_prefix.values():
            opt = seqs[members[0]][0]
            prefix = opt.text
            words_ids = [vocab.encode(seqs[i][1] + "\n") for i in members]
            mixed, _ = predictor.line_logprobs(  # type: ignore[attr-defined]
                history + prefix, cache.branch(vocab.encode(prefix)), words_ids,  # type: ignore[attr-defined]
                [rows[i][: len(words_ids[j])] for j, i in enumerate(members)])
            for j, i in enumerate(members):
                totals[i] = float(mixed[j].sum())
    out = []
    for i, (opt, w) in enumerate(seqs):
        line = opt.text + w
        total = opt.score + totals[i]
        pen = _ending_penalty(line, goal, words)
        out.append(_Option(line, total / (len(line) + 1) - pen, total, pen))
    return out


def choose_line(context: object, goal: LineGoal, temperature: float, generator: torch.Generator,
                candidates: int = 12, max_chars: int = 200, history: str | None = None,
                word_weight: float = WORD_WEIGHT) -> str:
    """Sample ``candidates`` lines from ``context`` and return the best under ``goal``.

    ``history`` is the song so far as text (what ``context`` has read); with it, lines are ranked by
    the artist's predictor (:func:`engine.lyrics.mixture.predictor`), else by the LSTM alone.
    """
    words = context.artist.words  # type: ignore[attr-defined]
    if goal.syllables is not None:
        max_chars = min(max_chars, 5 * goal.syllables + 12)
    least = goal.syllables or 0
    batch = _sample_batch(context, candidates, temperature, generator, max_chars, least)
    pred = cache = None
    if history is not None:
        from engine.lyrics.mixture import predictor

        pred = predictor(context.artist)  # type: ignore[attr-defined]
        cache = _apply_predictor(batch, pred, history, context.artist.vocab)  # type: ignore[attr-defined]
    opts = _options(batch, goal, words)
    finished = [o for o in opts if o.prefix_at < 0]
    subs = sorted((o for o in opts if o.prefix_at >= 0), key=lambda o: -o.score / max(o.prefix_at, 1))
    if goal.rhyme_with is not None:  # only prefixes that a rhyme word of the pool can complete
        sizes = {prosody.word_syllables(w) for w in rhyme_candidates(goal.rhyme_with, words)}
        subs = [o for o in subs if o.syllables_left is None
                or any(abs(o.syllables_left - n) <= 1 for n in sizes)]
    finished += _score_rhymes(context, batch, subs[:_RHYME_PREFIXES], goal, words, pred,
                              history or "", cache)
    if not finished:
        return batch.texts[0].strip() or "..."
    if pred is not None and getattr(pred, "words", None) is not None and word_weight > 0:
        finished = _rerank_words(finished, pred, history or "", word_weight)
    return max(finished, key=lambda o: o.score).text.strip()


def _rerank_words(options: list[_Option], pred: object, history: str, weight: float,
                  keep: int = 48) -> list[_Option]:
    """Rescore the best ``keep`` options with the writer's word model added to the characters':
    ``(char log-prob + weight · word log-prob) / (characters + 1) − penalties``."""
    best = sorted(options, key=lambda o: -o.score)[:keep]
    totals = pred.words.line_logprobs([o.text for o in best], history)  # type: ignore[attr-defined]
    for o, w in zip(best, totals, strict=True):
        o.score = (o.logp + weight * w) / (len(o.text) + 1) - o.penalty
    return best
