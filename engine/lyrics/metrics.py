"""Generated-text metrics: real words, rhymes where the scheme asks for them, syllables off target.

- ``word_validity``: share of generated words found in the artist's training vocabulary or the
  pronouncing dictionary.
- ``rhyme_rate``: share of the line pairs the rhyme scheme says should rhyme whose end words do
  (dictionary rhyming part, spelling fallback for words it lacks; a word does not rhyme with itself).
- ``syllable_error``: mean |syllables − target| per line under the metre.
- ``function_word_endings``: share of lines ending on a function word
  (:data:`engine.lyrics.prosody.FUNCTION_WORDS`), next to the writers' own rate.
- ``fluency``: perplexity of the generated lines under a word-level model of the writers' training
  text (:class:`WordFluency`, interpolated modified Kneser-Ney word 3-gram), divided by the same
  model's perplexity on held-out real lines: 1.0 is as fluent as the writers themselves.

:func:`generated_metrics` writes ``lines`` lines with a writer duetting with itself under the given
constraints (several seeded 8-line duets) and measures them; :func:`pair_metrics` does the same for
two writers in duet.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from engine.lyrics import prosody
from engine.lyrics.schemes import rhyme_partner, syllable_target


def word_validity(lines: Sequence[str], words: frozenset[str] | set[str]) -> float:
    """Share of the words of ``lines`` that are real (training vocabulary or dictionary)."""
    found = [w for line in lines for w in prosody.words_of(line)]
    if not found:
        return 0.0
    return sum(prosody.is_real(w, words) for w in found) / len(found)


def rhyme_rate(songs: Sequence[Sequence[str]], scheme: str) -> float:
    """Share of the pairs ``scheme`` asks to rhyme (within each song) whose end words rhyme."""
    asked = hit = 0
    for song in songs:
        for i in range(len(song)):
            j = rhyme_partner(i, scheme)
            if j is None:
                continue
            asked += 1
            a, b = prosody.end_word(song[i]), prosody.end_word(song[j])
            hit += a != b and prosody.rhymes(a, b)
    return hit / asked if asked else 1.0


def syllable_error(songs: Sequence[Sequence[str]], metre: str) -> float:
    """Mean absolute difference between each line's syllables and the metre's target."""
    errors = [abs(prosody.line_syllables(line) - target)
              for song in songs for i, line in enumerate(song)
              if (target := syllable_target(i, metre)) is not None]
    return sum(errors) / len(errors) if errors else 0.0


class WordFluency:
    """A word 3-gram (interpolated modified KN) over lines; each line is scored on its own.

    Words are :func:`~engine.lyrics.prosody.words_of` (lowercased, punctuation dropped); words seen
    fewer than ``min_count`` times in training become ``<unk>``. A line is scored as its words and
    an end-of-line token after two start tokens.
    """

    ORDER = 3

    def __init__(self, lines: Sequence[str], min_count: int = 2) -> None:
        from engine.lyrics.ngram_kn import KneserNey

        counts = Counter(w for line in lines for w in prosody.words_of(line))
        self.itos = ["<eol>", "<unk>", *sorted(w for w, n in counts.items() if n >= min_count)]
        self.stoi = {w: i for i, w in enumerate(self.itos)}
        stream = self._stream([line for line in lines if prosody.words_of(line)])
        self.model = KneserNey(self.ORDER, len(self.itos), pad_id=0).fit(stream)

    def _ids(self, line: str) -> list[int]:
        return [self.stoi.get(w, 1) for w in prosody.words_of(line)]

    def _stream(self, lines: Sequence[str]) -> list[int]:
        out: list[int] = []
        for line in lines:  # two end tokens: the next line starts from the same context as a first
            out += self._ids(line) + [0, 0]
        return out

    def perplexity(self, lines: Sequence[str]) -> float:
        """exp(mean negative log-probability per token: the words and the end of each line)."""
        import numpy as np

        kept = [line for line in lines if prosody.words_of(line)]
        if not kept:
            return float("nan")
        stream = self._stream(kept)
        probs = self.model.probabilities(stream, context=[0, 0])
        scored = np.ones(len(stream), dtype=bool)
        at = 0
        for line in kept:  # the second end token of each line is bookkeeping, not scored
            at += len(self._ids(line)) + 2
            scored[at - 1] = False
        return float(np.exp(-np.log(probs[scored]).mean()))

    def ratio(self, generated: Sequence[str], real: Sequence[str]) -> float:
        """Perplexity of ``generated`` lines over that of ``real`` held-out lines."""
        return self.perplexity(generated) / self.perplexity(real)


def generated_metrics(
    artist: Any, lines: int = 200, rhyme: str = "ABAB", metre: str = "common",
    song_lines: int = 8, temperature: float = 0.8, candidates: int = 12,
) -> dict[str, Any]:
    """Write ``lines`` constrained lines (the artist duetting with itself) and measure them."""
    from engine.lyrics.duet import DuetSpec, write_duet

    songs: list[list[str]] = []
    total, seed = 0, 1
    while total < lines:
        n = min(song_lines, lines - total)
        spec = DuetSpec(lines=n, seed=seed, rhyme=rhyme, metre=metre, real_words=True,
                        temperatures=(temperature, temperature), candidates=candidates)
        songs.append([line.text for line in write_duet((artist, artist), spec)])
        total, seed = total + n, seed + 1
    flat = [line for song in songs for line in song]
    return {
        "word_validity": round(word_validity(flat, artist.words), 4),
        "rhyme_rate": round(rhyme_rate(songs, rhyme), 4),
        "syllable_error": round(syllable_error(songs, metre), 4),
        "generated_lines": len(flat),
        "rhyme": rhyme,
        "metre": metre,
    }


def pair_metrics(
    a: Any, b: Any, fluency: WordFluency | None = None, real_lines: Sequence[str] = (),
    own_lines: Sequence[str] = (), lines: int = 200, rhyme: str = "ABAB", metre: str = "common",
    song_lines: int = 8, pattern: str = "ABAB",
) -> dict[str, Any]:
    """Write ``lines`` lines of seeded 8-line duets between ``a`` and ``b`` (default settings
    otherwise) and measure them; ``real_lines`` are held-out lines of both writers (for fluency),
    ``own_lines`` their training lines (for the function-word rate they set)."""
    from engine.lyrics.duet import DuetSpec, write_duet

    songs: list[list[str]] = []
    total, seed = 0, 1
    while total < lines:
        n = min(song_lines, lines - total)
        spec = DuetSpec(lines=n, seed=seed, pattern=pattern, rhyme=rhyme, metre=metre, real_words=True)
        songs.append([line.text for line in write_duet((a, b), spec)])
        total, seed = total + n, seed + 1
    flat = [line for song in songs for line in song]
    words = frozenset(a.words) | frozenset(b.words)
    out: dict[str, Any] = {
        "word_validity": round(word_validity(flat, words), 4),
        "rhyme_rate": round(rhyme_rate(songs, rhyme), 4),
        "syllable_error": round(syllable_error(songs, metre), 4),
        "function_word_endings": round(prosody.function_ending_rate(flat), 4),
        "generated_lines": len(flat),
    }
    if own_lines:
        out["writers_function_word_endings"] = round(prosody.function_ending_rate(own_lines), 4)
    if fluency is not None and real_lines:
        out["fluency"] = round(fluency.ratio(flat, real_lines), 4)
        out["perplexity"] = round(fluency.perplexity(flat), 2)
        out["real_perplexity"] = round(fluency.perplexity(real_lines), 2)
    return out


@dataclass(frozen=True)
class LineNote:
    """What the panel shows beside a line: its end word, rhyme letter, syllables and target."""

    end_word: str
    letter: str
    rhymed: bool
    syllables: int
    target: int | None


def annotate(lines: Sequence[str], metre: str = "free", stanza: int = 4) -> list[LineNote]:
    """Rhyme letters by the rhymes actually found within each stanza, and syllables per line."""
    ends = [prosody.end_word(line) for line in lines]
    letters: list[str] = []
    for i, end in enumerate(ends):
        first = i - i % stanza
        match = next((j for j in range(first, i) if end and ends[j] != end
                      and prosody.rhymes(end, ends[j])), None)
        if match is not None:
            letters.append(letters[match])
        else:
            used = set(letters[first:i])
            letters.append(next(ch for ch in "ABCDEFGH" if ch not in used))
    counts = Counter((i // stanza, ch) for i, ch in enumerate(letters))
    return [LineNote(end, ch, counts[(i // stanza, ch)] > 1, prosody.line_syllables(line),
                     syllable_target(i, metre))
            for i, (line, end, ch) in enumerate(zip(lines, ends, letters, strict=True))]
