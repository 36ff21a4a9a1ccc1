"""Public API of the Composer engine (Deep Segment Hash Learning), used by the Composer panel.

Every function here is Qt-free and safe to call on the GUI's engine thread. Models and indexes
load once and are cached; the first call may take a moment.

The chain types (:class:`ComposeRequest`, :class:`ChainItem`, :class:`Chain`) are defined in
:mod:`engine.dshl.request` and a chain's notes are rendered by :mod:`engine.dshl.notes`; callers
take both from here.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from engine.dshl.importer import ImportReport
from engine.dshl.notes import render_chain
from engine.dshl.request import Chain, ChainItem, ComposeRequest
from engine.jobs import CancelledFn, ProgressFn, check_cancelled, never_cancelled, no_progress
from engine.music.midi_export import RenderedNote

if TYPE_CHECKING:  # pragma: no cover
    import pretty_midi

    from engine.dshl.store import Collection

__all__ = ["Chain", "ChainItem", "ComposeRequest", "ImportReport", "RenderedNote", "candidates",
           "chain_notes", "chain_to_midi", "collection_meters", "compose", "import_collection",
           "list_collections", "provenance", "regenerate", "replace", "write_midi"]


MODES = ("min", "max")
CALIBRATION_PAIRS = 2000  # real junctions scored once per collection for the fit score
_calibration: dict[int, tuple[object, object]] = {}


def list_collections() -> list[str]:
    """Return the names of the collections one can compose from (bundled first, then imported)."""
    from engine.dshl import store

    return store.list_collections()


def collection_meters() -> dict[str, list[str]]:
    """Every collection (bundled first) with the meters it holds tunes in: what the Composer's
    meter menu offers for it."""
    from engine.dshl import store

    return {name: store.collection_meters(name) for name in store.list_collections()}


def _collection(name: str, meter: str = "4/4") -> Collection:
    """Load a collection's tunes of ``meter``'s family (:func:`engine.dshl.store.collection_for`:
    an unknown name is a ValueError); the store, and torch with it, loads on first use."""
    from engine.dshl import store

    return store.collection_for(name, meter)


def _validate(request: ComposeRequest) -> None:
    """Reject requests the composer cannot honour, with a readable reason."""
    from engine.music.transpose import parse_key

    if request.segments < 1:
        raise ValueError("segments must be at least 1")
    if request.mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {request.mode!r}")
    if request.tempo <= 0:
        raise ValueError("tempo must be positive")
    if request.reuse_limit is not None and request.reuse_limit < 1:
        raise ValueError("reuse_limit must be at least 1 (or None for no limit)")
    parse_key(request.key)
    parse_meter(request.meter)
    from engine.music.segments import meter_family
    from engine.music.tune import ImportProblem

    try:
        meter_family(request.meter)
    except ImportProblem as exc:
        raise ValueError(str(exc)) from exc


def tonality(key: str) -> str:
    """``"minor"`` for a minor key such as ``"Dm"``, else ``"major"``: the tunes drawn from."""
    from engine.music.transpose import parse_key

    return "minor" if parse_key(key)[1] else "major"


def available_keys(collection: str = "nottingham", meter: str = "4/4") -> list[str]:
    """Keys the composer can write for ``meter``: major keys if the collection holds major
    tunes in that meter, minor keys if it holds minor ones."""
    from engine.music.transpose import MAJOR_KEY_NAMES, MINOR_KEY_NAMES

    corpus = _collection(collection, meter).corpus
    keys: list[str] = []
    for mode, names in (("major", MAJOR_KEY_NAMES), ("minor", MINOR_KEY_NAMES)):
        if corpus.mask(meter, mode).any():
            keys.extend(names)
    return keys


def parse_meter(meter: str) -> tuple[int, int]:
    """``"6/8"`` → ``(6, 8)``; a ValueError names anything else."""
    try:
        top, bottom = (int(part) for part in meter.split("/"))
    except ValueError:
        raise ValueError(f"meter must look like 4/4 or 6/8, not {meter!r}") from None
    if not 1 <= top <= 32 or bottom not in (2, 4, 8, 16):
        raise ValueError(f"unsupported meter {meter!r}")
    return top, bottom


def _real_scores(col):
    """Sorted re-ranker scores of (up to 2,000) real junctions of ``col``, computed once."""
    import numpy as np

    from engine.dshl.composer import pair_scores

    cached = _calibration.get(id(col))
    if cached is not None and cached[0] is col:
        return cached[1]
    pairs = col.corpus.junctions
    if len(pairs) > CALIBRATION_PAIRS:
        pairs = pairs[np.random.default_rng(0).choice(len(pairs), CALIBRATION_PAIRS, False)]
    if len(pairs) == 0:
        scores = np.zeros(0, dtype=np.float32)
    else:
        i, j = pairs[:, 0], pairs[:, 1]
        scores = np.sort(pair_scores(col, i, j))
    _calibration[id(col)] = (col, scores)
    return scores


def fit_score(col, score: float) -> int | None:
    """Percentile (0–100) of ``score`` among the scores of ``col``'s real junctions."""
    import numpy as np

    real = _real_scores(col)
    if len(real) == 0:
        return None
    return int(round(100.0 * np.searchsorted(real, score, side="right") / len(real)))


def _item(col, position: int, seg: int, distance: int, score: float,
          scored: bool = True) -> ChainItem:
    """Describe segment ``seg`` of collection ``col`` at chain position ``position``."""
    corpus = col.corpus
    return ChainItem(id=int(seg), tune=corpus.tunes[int(corpus.tune[seg])],
                     position=int(corpus.position[seg]), distance=int(distance),
                     score=float(score), ends_tune=bool(corpus.ends[seg]),
                     fit=fit_score(col, score) if scored else None)


def compose(
    request: ComposeRequest,
    progress: ProgressFn = no_progress,
    cancelled: CancelledFn = never_cancelled,
) -> Chain:
    """Compose a chain of ``request.segments`` segments."""
    import numpy as np

    from engine.dshl.composer import compose_ids

    _validate(request)
    progress(0.0, "loading model")
    col = _collection(request.collection, request.meter)
    allowed = col.corpus.mask(request.meter, tonality(request.key))
    if not allowed.any():
        raise ValueError(f"collection {request.collection!r} has no {tonality(request.key)} "
                         f"tunes in {request.meter}")
    check_cancelled(cancelled)
    progress(0.5, "composing")
    rng = np.random.default_rng(request.seed)
    from engine.dshl.threads import single_threaded

    head, start = request.phrase_blocks, request.start
    locked = {k: seg for k, seg in request.locked.items() if seg >= 0}  # -1: no stand-in
    if head:  # continue the user's phrase: search from its last block's code (phrase.anchor)
        from engine.dshl.phrase import anchor

        with single_threaded():
            start = anchor(col, request, allowed)
        locked = {k - head + 1: seg for k, seg in locked.items() if k >= head}
    with single_threaded():
        picks = compose_ids(col, request.segments - head + (1 if head else 0), rng,
                            request.mode, request.reuse_limit, start, locked,
                            request.prefer_ending, check=lambda: check_cancelled(cancelled),
                            allowed=allowed)
    if head:
        items = phrase_items(request) + [_item(col, head + k - 1, p.id, p.distance, p.score)
                                         for k, p in enumerate(picks) if k > 0]
    else:
        items = [_item(col, k, p.id, p.distance, p.score, scored=k > 0)
                 for k, p in enumerate(picks)]
    progress(1.0, "done")
    return Chain(request=request, items=items)


def phrase_items(request: ComposeRequest) -> list[ChainItem]:
    """The chain items of the user's phrase: one per block, id -1, titled "your phrase"."""
    from engine.dshl.phrase import PHRASE_ID, PHRASE_TUNE

    return [ChainItem(PHRASE_ID, PHRASE_TUNE, 2 * k, 0, 0.0, False)
            for k in range(request.phrase_blocks)]


def _left(col, chain: Chain, position: int) -> int:
    """The segment the search and re-ranker see before block ``position``: the block before
    it, or for the phrase's last block (or a user block without a stand-in) the segment
    standing for its notes (:func:`phrase.anchor`, :func:`phrase.block_anchor`)."""
    item = chain.items[position - 1]
    if item.id >= 0:
        return item.id
    from engine.dshl.phrase import anchor, block_anchor

    req = chain.request
    allowed = col.corpus.mask(req.meter, tonality(req.key))
    if item.notes is not None and position - 1 >= req.phrase_blocks:
        return block_anchor(col, item.notes, req, allowed)
    return anchor(col, req, allowed)


def _check_not_phrase(chain: Chain, position: int) -> None:
    """Refuse to change a block of the user's phrase."""
    if position < chain.request.phrase_blocks:
        raise ValueError(f"block {position + 1} is your phrase: it stays as you played it")


def candidates(chain: Chain, position: int, limit: int = 10) -> list[ChainItem]:
    """Return ranked replacements for item ``position`` given its predecessor.

    Position 0 has no predecessor: tune openings are ranked by how well they lead into item 1.
    """
    import numpy as np

    from engine.dshl.composer import on_the_beat, pair_scores, ranked_successors

    col = _collection(chain.request.collection, chain.request.meter)
    if not 0 <= position < len(chain.items):
        raise IndexError(f"position {position} is outside the chain (0..{len(chain.items) - 1})")
    if position < chain.request.phrase_blocks:
        return []  # your phrase has no alternatives
    used = np.zeros(len(col.corpus), dtype=bool)
    used[[it.id for k, it in enumerate(chain.items) if k != position and it.id >= 0]] = True
    if position == 0:
        if len(chain.items) < 2:
            openings = np.nonzero(col.corpus.position == 0)[0][:limit]
            return [_item(col, 0, s, 0, 0.0, scored=False) for s in openings]
        nxt = chain.items[1].id
        ids, dist = col.index_f.search(col.meta.code_b[nxt], min_results=200)
        ids, dist = ids[~used[ids]], dist[~used[ids]]
        scores = pair_scores(col, ids, np.full(len(ids), nxt))
        order = np.argsort(-scores, kind="stable")[:limit]
        return [_item(col, 0, ids[k], dist[k], scores[k]) for k in order]
    prev = _left(col, chain, position)
    mask = col.corpus.mask(chain.request.meter, tonality(chain.request.key))
    ids, dist, scores = ranked_successors(col, prev, allowed=~used & mask)
    keep = on_the_beat(col, prev, ids)
    ids, dist, scores = ids[keep], dist[keep], scores[keep]
    return [_item(col, position, ids[k], dist[k], scores[k]) for k in range(min(limit, len(ids)))]


def replace(chain: Chain, position: int, segment_id: int) -> Chain:
    """Return a new chain with item ``position`` replaced by segment ``segment_id`` (a user
    block put there gives way to the segment); the join after it is measured again."""
    col = _collection(chain.request.collection, chain.request.meter)
    if not 0 <= segment_id < len(col.corpus):
        raise ValueError(f"segment id {segment_id} is not in collection {col.name!r}")
    _check_not_phrase(chain, position)
    items = list(chain.items)
    items[position] = _item(col, position, int(segment_id), 0, 0.0, scored=False)
    chain = rescore(Chain(request=chain.request, items=items), position)
    return rescore(chain, position + 1) if position + 1 < len(items) else chain


def rescore(chain: Chain, position: int) -> Chain:
    """Measure the join into block ``position`` again (distance, score, fit), keeping the block
    itself (a user block keeps its notes). Blocks of the phrase, or without a segment, stay."""
    from dataclasses import replace as dc_replace

    import numpy as np

    from engine.dshl.composer import hamming, rerank

    item = chain.items[position]
    if position < chain.request.phrase_blocks or item.id < 0:
        return chain
    col = _collection(chain.request.collection, chain.request.meter)
    if position == 0:
        fresh = _item(col, 0, item.id, 0, 0.0, scored=False)
    else:
        prev, seg = _left(col, chain, position), np.array([item.id])
        fresh = _item(col, position, item.id, int(hamming(col, prev, seg)[0]),
                      float(rerank(col, prev, seg)[0]))
    items = list(chain.items)
    items[position] = dc_replace(fresh, notes=item.notes)
    return Chain(request=chain.request, items=items)


def regenerate(chain: Chain, keep: set[int], seed: int | None = None) -> Chain:
    """Return a new chain that keeps the positions in ``keep`` and re-draws the others."""
    from dataclasses import replace as dc_replace

    locked = {k: chain.items[k].id for k in keep if 0 <= k < len(chain.items)
              and chain.items[k].id >= 0}
    request = dc_replace(chain.request, seed=seed, locked=locked, start=locked.get(0),
                         segments=len(chain.items))
    fresh = compose(request)
    for k, item in enumerate(chain.items[:len(fresh.items)]):  # the user's blocks stay theirs
        if item.notes is not None:
            fresh.items[k] = dc_replace(fresh.items[k], notes=item.notes)
    return fresh


def chain_notes(chain: Chain) -> list[RenderedNote]:
    """Return the chain's notes in the request's key, for the piano roll, playback and MIDI:
    the user's phrase and edited blocks exactly as they are, the segments rendered around them
    (:func:`engine.dshl.notes.render_chain`)."""
    return render_chain(chain)


def provenance(chain: Chain) -> str:
    """A one-line account of where the chain's segments come from (stored in the MIDI file).

    The Composer panel shows this same line, so the export always says what the panel says.
    """
    parts = ", ".join((it.tune if it.id < 0 else f"{it.tune}#{it.position}")
                      + (" (your edit)" if it.notes is not None else "") for it in chain.items)
    req = chain.request
    locked = ",".join(str(k + 1) for k in sorted(req.locked))
    edited = ",".join(str(k + 1) for k, it in enumerate(chain.items) if it.notes is not None)
    extra = (f"; continues {req.phrase}" if req.phrase else "") + (
        f"; locked blocks {locked}" if locked else "") + (
        f"; your edits in blocks {edited}" if edited else "")
    return (f"Segue DSHL composer; collection {req.collection}; mode {req.mode}; seed {req.seed}"
            f"{extra}; segments: {parts}")


def chain_to_midi(chain: Chain) -> pretty_midi.PrettyMIDI:
    """Render the chain as a Type-1 MIDI: melody + chord tracks, tempo, key/time signature."""
    from engine.music.midi_export import to_pretty_midi

    req = chain.request
    return to_pretty_midi(chain_notes(chain), req.key, req.tempo, req.melody_program,
                          req.chord_program, provenance(chain), parse_meter(req.meter))


def write_midi(chain: Chain, path: str | Path) -> Path:
    """Write the chain's MIDI to ``path`` atomically and return the path."""
    from engine.music.midi_export import write_pretty_midi

    return write_pretty_midi(chain_to_midi(chain), path)


def import_collection(
    folder: str | Path,
    name: str,
    progress: ProgressFn = no_progress,
    cancelled: CancelledFn = never_cancelled,
) -> ImportReport:
    """Index a folder of MIDI/ABC tunes as collection ``name``; skipped files come with reasons."""
    from engine.dshl.importer import import_folder

    return import_folder(folder, name, progress, cancelled)
