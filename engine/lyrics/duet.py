"""Duets: two artists' models take turns writing lines, each continuing the song so far.

The pattern decides whose turn a line is: ``ABAB`` (alternate lines), ``AABB`` (couplets) or
``stanza`` (four-line stanzas). Every line is sampled from the artist's model after it has read the whole
song so far (after a song break), at that artist's temperature; each model keeps its LSTM state
between lines, so it reads every character once.
Each line's random stream depends only on the seed, its index and an attempt counter, so a duet
is reproducible and regenerating one line leaves every other line as it was. Locked lines survive
rewriting the whole duet, and a duet can continue from a line the user typed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from engine.jobs import CancelledFn, ProgressFn, check_cancelled, never_cancelled, no_progress

PATTERNS = ("ABAB", "AABB", "stanza")
USER_VOICE = 2
USER_NAME = "You"
_MAX_ATTEMPTS = 6


@dataclass(frozen=True)
class DuetLine:
    """One line of the song: who wrote it (voice 0 = A, 1 = B, 2 = the user) and whether it is locked."""

    artist: str
    text: str
    voice: int
    locked: bool = False


@dataclass
class DuetSpec:
    """What to write: length, pattern, seed and per-artist temperatures."""

    lines: int = 8
    pattern: str = "ABAB"
    seed: int = 1
    temperatures: tuple[float, float] = (0.8, 0.8)
    top_k: int | None = None
    stanza_lines: int = 4
    rhyme: str = "none"
    metre: str = "free"
    real_words: bool = False
    candidates: int = 24

    def __post_init__(self) -> None:
        from engine.lyrics.schemes import normalise_metre, normalise_rhyme

        self.pattern = normalise_pattern(self.pattern)
        self.rhyme = normalise_rhyme(self.rhyme)
        self.metre = normalise_metre(self.metre)
        if not 1 <= self.candidates <= 64:
            raise ValueError("candidates per line must be between 1 and 64")
        if not 1 <= self.lines <= 500:
            raise ValueError("a duet has between 1 and 500 lines")
        if any(t <= 0 for t in self.temperatures):
            raise ValueError("temperatures must be positive")


    @property
    def constrained(self) -> bool:
        """Whether lines are chosen among candidates under rhyme, metre or real-word constraints."""
        return self.rhyme != "none" or self.metre != "free" or self.real_words


def normalise_pattern(pattern: str) -> str:
    """Accept ``ABAB``, ``AABB``, ``stanza`` or ``by stanza`` in any case; raise ValueError otherwise."""
    p = pattern.strip()
    if p.upper() in ("ABAB", "AABB"):
        return p.upper()
    if p.lower() in ("stanza", "by stanza", "by-stanza"):
        return "stanza"
    raise ValueError(f"unknown pattern '{pattern}' (choose ABAB, AABB or stanza)")


def voice_for(index: int, pattern: str, stanza_lines: int = 4) -> int:
    """Whose turn line ``index`` is: 0 for artist A, 1 for artist B."""
    pattern = normalise_pattern(pattern)
    if pattern == "ABAB":
        return index % 2
    if pattern == "AABB":
        return (index // 2) % 2
    return (index // max(1, stanza_lines)) % 2


def line_seed(seed: int, index: int, attempt: int = 0) -> int:
    """The random seed of one line: a function of the duet seed, line index and attempt only."""
    return (seed * 1_000_003 + index * 10_007 + attempt * 101) % (2**63 - 1)


def song_so_far(lines: Sequence[DuetLine]) -> str:
    """The priming text: a song break, then the lines written so far, each ending in a newline."""
    return "\n\n" + "".join(line.text + "\n" for line in lines)


def line_goal(spec: DuetSpec, index: int, before: Sequence[DuetLine],
              later: dict[int, DuetLine] | None = None) -> Any:
    """What line ``index`` must do under the spec's rhyme scheme and metre, given the lines before
    it and the lines ``later`` in its stanza that stay (locked, or kept while this one is rewritten).

    A line rhymes with its earlier partner; a line whose partner comes later (line 2 of ABAB, whose
    partner is line 4) rhymes with that partner when it stays, so rewriting a line keeps its rhyme.
    """
    from engine.lyrics import schemes as constrained
    from engine.lyrics.prosody import end_word

    later = later or {}
    partner = constrained.rhyme_partner(index, spec.rhyme)
    rhyme_with = end_word(before[partner].text) if partner is not None and partner < len(before) else None
    first = index - index % 4
    if not rhyme_with:
        for j in range(index + 1, first + 4):
            if j in later and constrained.rhyme_partner(j, spec.rhyme) == index:
                rhyme_with = end_word(later[j].text) or None
                break
    stanza = [*before[first:index], *(later[j] for j in sorted(later) if index < j < first + 4)]
    return constrained.LineGoal(
        rhyme_with=rhyme_with or None,
        syllables=constrained.syllable_target(index, spec.metre),
        opens_rhyme=constrained.opens_rhyme(index, spec.rhyme),
        real_words=True,
        avoid={end_word(line.text) for line in stanza} - {rhyme_with or ""},
    )


def foreign_locked(lines: Sequence[DuetLine], names: Sequence[str]) -> list[int]:
    """Indices of locked lines written by an artist who is not one of ``names`` (the duet's pair
    changed since): the panel flags them, since they stay when the duet is rewritten."""
    wanted = {n.strip().casefold() for n in names}
    return [i for i, line in enumerate(lines)
            if line.locked and line.voice != USER_VOICE and line.artist.strip().casefold() not in wanted]


def _draw(context: Any, spec: DuetSpec, voice: int, index: int, attempt: int,
          before: Sequence[DuetLine] = (), later: dict[int, DuetLine] | None = None) -> tuple[str, Any]:
    """Sample line ``index`` from ``context``; return its text and the state to accept it (or None)."""
    import torch

    if spec.constrained:
        from engine.lyrics.constrained import choose_line

        gen = torch.Generator().manual_seed(line_seed(spec.seed, index, attempt))
        goal = line_goal(spec, index, before, later)
        text = choose_line(context, goal, spec.temperatures[voice], gen, spec.candidates,
                           history=song_so_far(before))
        return (text or "..."), None
    for extra in range(_MAX_ATTEMPTS):
        gen = torch.Generator().manual_seed(line_seed(spec.seed, index, attempt + extra * 7919))
        raw, after = context.sample(spec.temperatures[voice], spec.top_k, gen)
        text = raw.strip()
        if text:
            return text, (after if text == raw else None)
    return "...", None


def _read(contexts: Sequence[Any], line: DuetLine, after: Any = None) -> None:
    """Let every artist read the new line (the writer keeps its sampling state when it can)."""
    for voice, context in enumerate(contexts):
        if voice == line.voice and after is not None:
            context.restore(after)
            context.feed("\n")
        else:
            context.feed(line.text + "\n")


def _contexts(models: Sequence[Any], before: Sequence[DuetLine]) -> list[Any]:
    """Both artists, having read the song so far."""
    from engine.lyrics.model import Context

    text = song_so_far(before)
    return [Context(model, text) for model in models]


def generate_line(
    models: Sequence[Any], before: Sequence[DuetLine], voice: int, spec: DuetSpec,
    index: int, attempt: int = 0, later: dict[int, DuetLine] | None = None,
) -> DuetLine:
    """Sample line ``index`` for ``voice`` after the lines ``before`` it (``later``: lines after
    it in its stanza that stay, e.g. its rhyme partner)."""
    from engine.lyrics.model import Context

    text, _ = _draw(Context(models[voice], song_so_far(before)), spec, voice, index, attempt, before,
                    later)
    return DuetLine(artist=models[voice].name, text=text, voice=voice)


def _extend(
    models: Sequence[Any], contexts: list[Any], out: list[DuetLine], spec: DuetSpec, index: int,
    later: dict[int, DuetLine] | None = None,
) -> None:
    """Write line ``index`` by whoever's turn it is, append it to ``out`` and let both read it."""
    voice = voice_for(index, spec.pattern, spec.stanza_lines)
    text, after = _draw(contexts[voice], spec, voice, index, 0, out, later)
    line = DuetLine(artist=models[voice].name, text=text, voice=voice)
    out.append(line)
    _read(contexts, line, after)


def write_duet(
    models: Sequence[Any],
    spec: DuetSpec,
    existing: Sequence[DuetLine] | None = None,
    progress: ProgressFn = no_progress,
    cancelled: CancelledFn = never_cancelled,
) -> list[DuetLine]:
    """Write ``spec.lines`` lines; locked lines of ``existing`` stay where they are."""
    existing = list(existing or [])
    out: list[DuetLine] = []
    contexts = _contexts(models, [])
    for i in range(spec.lines):
        check_cancelled(cancelled)
        if i < len(existing) and existing[i].locked:
            out.append(existing[i])
            _read(contexts, existing[i])
        else:
            locked = {j: existing[j] for j in range(i + 1, min(len(existing), i - i % 4 + 4))
                      if existing[j].locked}
            _extend(models, contexts, out, spec, i, locked)
        progress((i + 1) / spec.lines, f"line {i + 1} of {spec.lines}")
    return out


def regenerate_line(
    models: Sequence[Any], lines: Sequence[DuetLine], index: int, spec: DuetSpec, attempt: int = 1,
) -> list[DuetLine]:
    """Return a copy of ``lines`` with line ``index`` rewritten (by the same voice); others untouched.

    A line the user typed is rewritten by whoever's turn the pattern says it is. The new line keeps
    the line's rhyme partner, before or after it in the stanza, and its metre.
    """
    if not 0 <= index < len(lines):
        raise IndexError(f"no line {index + 1} in a {len(lines)}-line duet")
    old = lines[index]
    voice = old.voice if old.voice != USER_VOICE else voice_for(index, spec.pattern, spec.stanza_lines)
    new = old
    for extra in range(_MAX_ATTEMPTS):
        later = {j: lines[j] for j in range(index + 1, min(len(lines), index - index % 4 + 4))}
        new = generate_line(models, lines[:index], voice, spec, index, attempt + extra, later)
        if new.text != old.text:
            break
    out = list(lines)
    out[index] = replace(new, locked=old.locked)
    return out


def continue_duet(
    lines: Sequence[DuetLine],
    user_text: str,
    models: Sequence[Any],
    spec: DuetSpec,
    count: int = 4,
    progress: ProgressFn = no_progress,
    cancelled: CancelledFn = never_cancelled,
) -> list[DuetLine]:
    """Append a line the user typed (if any) and ``count`` more lines following the pattern."""
    out = list(lines)
    typed = " ".join(user_text.split())
    if typed:
        out.append(DuetLine(artist=USER_NAME, text=typed, voice=USER_VOICE))
    contexts = _contexts(models, out)
    start = len(out)
    for n in range(count):
        check_cancelled(cancelled)
        _extend(models, contexts, out, spec, start + n)
        progress((n + 1) / max(count, 1), f"line {n + 1} of {count}")
    return out


def duet_text(lines: Sequence[DuetLine], spec: DuetSpec | None = None, labels: bool = True,
              width: int = 0) -> str:
    """Plain text of a duet; with ``labels`` each line starts with its writer's name.

    A blank line separates stanzas (every ``stanza_lines`` lines) in the ``stanza`` pattern.
    """
    stanza = spec.stanza_lines if spec is not None and spec.pattern == "stanza" else 0
    rows = []
    for i, line in enumerate(lines):
        if stanza and i and i % stanza == 0:
            rows.append("")
        rows.append(f"{line.artist + ':':<{width + 1}} {line.text}" if labels else line.text)
    return "\n".join(rows) + "\n"
