"""Train / selection / test splits by tune, with near-duplicate tunes kept on one side.

Folk collections hold the same tune more than once (versions, settings, a tune filed under two
names). Two tunes are near-duplicates when at least ``share`` (30 %) of the distinct melody
windows of the smaller one also occur in the other, or when they carry the same title stem;
near-duplicates are joined into groups (union-find, transitively) and every group lies wholly
in one split. Groups are dealt to test, then selection, in a seeded order until each holds its
fraction of the segments; the rest train. Melody windows ignore the chord bits, so grouping does
not depend on a chord vocabulary (which is learnt from the training tunes only).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from engine.music.segments import CHORD0

SHARE = 0.30


@dataclass
class Split:
    """Tune ids of each side, and the near-duplicate groups (lists of tune ids, size ≥ 2)."""

    train: np.ndarray
    selection: np.ndarray
    test: np.ndarray
    groups: list[list[int]]

    def names(self, tunes: list[str]) -> dict[str, list[str]]:
        """The split as tune names (what a checkpoint stores)."""
        return {side: [tunes[t] for t in getattr(self, side)]
                for side in ("train", "selection", "test")}

    @classmethod
    def from_names(cls, names: dict[str, list[str]], tunes: list[str],
                   groups: list[list[int]] | None = None) -> Split:
        """Rebuild a split from tune names (names missing from ``tunes`` are ignored)."""
        index = {n: k for k, n in enumerate(tunes)}

        def ids(side: str) -> np.ndarray:
            return np.asarray(sorted(index[n] for n in names.get(side, []) if n in index),
                              dtype=np.int64)

        return cls(ids("train"), ids("selection"), ids("test"), groups or [])


def title_stem(name: str) -> str | None:
    """A comparable title, e.g. ``"tunes-3 The Kesh Jig (2)"`` → ``"kesh jig"``; None if the
    name carries no title (MIDI files are named by file only)."""
    if " " not in name:
        return None
    title = name.split(" ", 1)[1].lower()
    title = re.sub(r"\(.*?\)|\bversion\b|\bno\.?\s*\d+|\d+", " ", title)
    title = re.sub(r"^\s*the\s+|[^a-z ]", " ", title)
    words = title.split()
    return " ".join(words) or None


def melody_signatures(features: np.ndarray, tune: np.ndarray, n_tunes: int) -> list[set[bytes]]:
    """Distinct melody windows (chord bits dropped) of every tune."""
    sigs: list[set[bytes]] = [set() for _ in range(n_tunes)]
    melody = np.ascontiguousarray(features[:, :, :CHORD0])
    for seg in range(len(features)):
        sigs[int(tune[seg])].add(melody[seg].tobytes())
    return sigs


def duplicate_groups(features: np.ndarray, tune: np.ndarray, tunes: list[str],
                     share: float = SHARE) -> list[list[int]]:
    """Groups of near-duplicate tunes (see module docstring), each of size ≥ 2."""
    n = len(tunes)
    parent = list(range(n))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    def join(a: int, b: int) -> None:
        parent[find(a)] = find(b)

    sigs = melody_signatures(features, tune, n)
    holders: dict[bytes, list[int]] = defaultdict(list)
    for t, s in enumerate(sigs):
        for sig in s:
            holders[sig].append(t)
    shared: dict[tuple[int, int], int] = defaultdict(int)
    for owners in holders.values():
        if 1 < len(owners) <= 50:  # a window in > 50 tunes is a cliché, not a duplicate
            for x in range(len(owners)):
                for y in range(x + 1, len(owners)):
                    shared[(owners[x], owners[y])] += 1
    for (a, b), count in shared.items():
        if count >= share * max(1, min(len(sigs[a]), len(sigs[b]))):
            join(a, b)
    by_stem: dict[str, int] = {}
    for t, name in enumerate(tunes):
        stem = title_stem(name)
        if stem is not None:
            if stem in by_stem:
                join(t, by_stem[stem])
            by_stem.setdefault(stem, t)
    members: dict[int, list[int]] = defaultdict(list)
    for t in range(n):
        members[find(t)].append(t)
    return sorted((sorted(m) for m in members.values() if len(m) > 1), key=lambda m: m[0])


def split_tunes(features: np.ndarray, tune: np.ndarray, tunes: list[str], seed: int = 0,
                test: float = 0.1, selection: float = 0.1, share: float = SHARE) -> Split:
    """Deal whole near-duplicate groups to test, selection and train (seeded)."""
    groups = duplicate_groups(features, tune, tunes, share)
    in_group = {t for g in groups for t in g}
    units = groups + [[t] for t in range(len(tunes)) if t not in in_group]
    sizes = np.bincount(tune, minlength=len(tunes))
    order = np.random.default_rng(seed).permutation(len(units))
    total = sizes.sum()
    sides: dict[str, list[int]] = {"test": [], "selection": [], "train": []}
    counts = {"test": 0, "selection": 0}
    targets = {"test": test * total, "selection": selection * total}
    for k in order:
        unit = units[k]
        side = next((s for s in ("test", "selection") if counts[s] < targets[s]), "train")
        sides[side].extend(unit)
        if side in counts:
            counts[side] += int(sizes[unit].sum())
    return Split(*(np.asarray(sorted(sides[s]), dtype=np.int64)
                   for s in ("train", "selection", "test")), groups)
