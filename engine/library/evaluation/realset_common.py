"""What the parts of the real-recordings set builder share: its error, file hashes and the splits.

:class:`RealsetError` is the one user-facing error of :mod:`.realset`, :mod:`.realset_debs` and
:mod:`.realset_speech`; :func:`file_sha256` hashes (and remembers) a file; :func:`split_groups`
deals groups (soundtracks, effect albums, speakers, passages) into the :data:`SPLITS` by the
:data:`SHARES`, seeded and stratified.
"""

from __future__ import annotations

import hashlib
import itertools
import random
from collections.abc import Mapping
from pathlib import Path

from engine.errors import UserFacingError

SPLITS = ("fit", "selection", "test")
SHARES = {"fit": 0.5, "selection": 0.25, "test": 0.25}


class RealsetError(UserFacingError):
    """The set cannot be fetched or built (no apt, no network, a corrupt .deb, a full disk ...)."""


def file_sha256(path: Path) -> str:
    """The sha256 of a file, read in 1 MB blocks (remembered per path, size and mtime)."""
    stat = Path(path).stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key not in _SHA_MEMO:
        _SHA_MEMO[key] = _hash_file(path)
    return _SHA_MEMO[key]


_SHA_MEMO: dict[tuple[str, int, int], str] = {}


def _hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(2**20):
            digest.update(block)
    return digest.hexdigest()


def split_groups(sizes: Mapping[str, float], strata: Mapping[str, str], seed: int) -> dict[str, str]:
    """Give each group a split, about 50/25/25 of the summed sizes overall and within each stratum.

    Groups are shuffled per stratum with a seed made of ``seed`` and the stratum (sorted first, so
    the result depends on names only), dealt round-robin across strata and ordered largest first
    (stable). Each then goes to the split furthest below its share *so far* (counting this
    group): the overall shortfall fully, its stratum's by half, so indivisible groups spread
    over the splits instead of all rounding toward ``fit``.
    """
    shuffled = []
    for stratum in sorted(set(strata.values())):
        names = sorted(g for g in sizes if strata[g] == stratum)
        random.Random(f"{seed}/{stratum}").shuffle(names)
        shuffled.append(names)
    order = [name for turn in itertools.zip_longest(*shuffled) for name in turn if name is not None]
    order.sort(key=lambda g: -sizes[g])
    done = dict.fromkeys(SPLITS, 0.0)
    stratum_done = {strata[name]: dict.fromkeys(SPLITS, 0.0) for name in order}
    result: dict[str, str] = {}
    for name in order:
        mine = stratum_done[strata[name]]
        total, own = sum(done.values()) + sizes[name], sum(mine.values()) + sizes[name]

        def shortfall(split: str, mine: dict[str, float] = mine, total: float = total,
                      own: float = own) -> tuple[float, float, int]:
            return (round(SHARES[split] * total - done[split]
                          + 0.5 * (SHARES[split] * own - mine[split]), 9),
                    -done[split], -SPLITS.index(split))

        best = max(SPLITS, key=shortfall)
        result[name] = best
        done[best] += sizes[name]
        mine[best] += sizes[name]
    return result
