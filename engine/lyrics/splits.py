"""Honest splits of a writer's songs: train / selection / test, seeded, duplicates kept together.

Songs that repeat (the same normalised text) or share a stanza (any window of four consecutive
normalised lines with enough letters to be more than a refrain) are joined into one group with a
union-find, and whole groups are dealt to the splits in a seeded shuffle: test first until it holds
``test_fraction`` of the characters, then selection, the rest train. So a song and its duplicate can
never sit on both sides. Test songs only ever score the final models; early stopping, learning-rate
plateaus and every baseline choice use the selection songs.
"""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass

from engine.lyrics.corpus import CorpusError, songs_to_text

STANZA_LINES = 4
MIN_STANZA_LETTERS = 60
_NON_LETTERS = re.compile(r"[^a-z]+")


@dataclass
class SongSplit:
    """One writer's songs dealt into train, selection and test (each a list of songs)."""

    train: list[str]
    selection: list[str]
    test: list[str]

    def texts(self) -> tuple[str, str, str]:
        """The three streams (``song + "\\n\\n"`` per song)."""
        return songs_to_text(self.train), songs_to_text(self.selection), songs_to_text(self.test)


def _norm_line(line: str) -> str:
    return _NON_LETTERS.sub(" ", line.lower()).strip()


def song_keys(song: str) -> set[str]:
    """Keys that mark a duplicate: the whole normalised song and every long 4-line window."""
    lines = [n for n in (_norm_line(line) for line in song.split("\n")) if n]
    keys = {"song:" + "/".join(lines)}
    for i in range(max(0, len(lines) - STANZA_LINES + 1)):
        window = lines[i : i + STANZA_LINES]
        if sum(len(w) for w in window) >= MIN_STANZA_LETTERS:
            keys.add("stanza:" + "/".join(window))
    return keys


def duplicate_groups(songs: list[str]) -> list[list[int]]:
    """Indices of songs grouped so that songs sharing any key are in one group (input order kept)."""
    parent = list(range(len(songs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for i, song in enumerate(songs):
        for key in song_keys(song):
            j = owner.setdefault(key, i)
            if j != i:
                parent[find(i)] = find(j)
    groups: dict[int, list[int]] = {}
    for i in range(len(songs)):
        groups.setdefault(find(i), []).append(i)
    return list(groups.values())


def split_writer(
    songs: list[str], seed: int = 0, test_fraction: float = 0.1, selection_fraction: float = 0.1,
) -> SongSplit:
    """Deal ``songs`` into train / selection / test by duplicate group, seeded, by character share."""
    groups = duplicate_groups(songs)
    if len(groups) < 3:
        raise CorpusError("need at least three distinct songs (blank line between songs) to split")
    random.Random(seed).shuffle(groups)
    total = sum(len(s) + 2 for s in songs)
    size = [sum(len(songs[i]) + 2 for i in g) for g in groups]
    parts: list[list[int]] = [[], [], []]  # test, selection, train
    filled = [0, 0]
    goals = (test_fraction * total, selection_fraction * total)
    for g, chars in zip(groups, size, strict=True):
        slot = next((k for k in (0, 1) if filled[k] < goals[k] or not parts[k]), 2)
        if slot < 2:
            filled[slot] += chars
        parts[slot].extend(g)
    if not parts[2]:  # tiny corpora: keep at least one training group
        parts[2].extend(parts[1][-1:])
        del parts[1][-1:]
    pick = [[songs[i] for i in sorted(p)] for p in parts]
    return SongSplit(train=pick[2], selection=pick[1], test=pick[0])


def split_after_holdout(songs: list[str], seed: int = 0, held_fraction: float = 0.1) -> SongSplit:
    """Train = the first 90 % of songs (the bundled base's training songs); the held-out last 10 %
    dealt into selection and test by duplicate group, seeded, half each by characters.

    A held-out song whose duplicate group reaches into the first 90 % joins train, so duplicates
    stay on one side; the first 90 % never moves (the bundled base model was trained on it).
    """
    from engine.lyrics.corpus import split_songs

    first, _ = split_songs(songs, held_fraction)
    n_first = len(first)
    groups = duplicate_groups(songs)
    train_idx = set(range(n_first))
    held: list[list[int]] = []
    for group in groups:
        if any(i < n_first for i in group):
            train_idx.update(group)
        else:
            held.append(group)
    if len(held) < 2:
        raise CorpusError("need at least two distinct held-out songs to split selection from test")
    random.Random(seed).shuffle(held)
    total = sum(len(songs[i]) + 2 for g in held for i in g)
    test: list[int] = []
    selection: list[int] = []
    filled = 0
    for group in held:
        if filled < total / 2 or not test:
            test.extend(group)
            filled += sum(len(songs[i]) + 2 for i in group)
        else:
            selection.extend(group)
    if not selection:
        selection.append(test.pop())
    pick = [[songs[i] for i in sorted(p)] for p in (train_idx, selection, test)]
    return SongSplit(train=pick[0], selection=pick[1], test=pick[2])


def fingerprint(*texts: str) -> str:
    """A short SHA-256 of training texts (in order), stored in checkpoints and checked by the eval."""
    digest = hashlib.sha256()
    for text in texts:
        digest.update(text.encode("utf-8"))
        digest.update(b"\x00")
    return digest.hexdigest()[:16]
