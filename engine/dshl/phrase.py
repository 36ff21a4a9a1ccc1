"""The user's own phrase: read it as played, continue it, or start from the nearest segment.

``segue compose --continue`` and the Composer's Open/drop of a ``.mid`` use :func:`read_phrase`:
the phrase's notes are kept note for note (moved onto the 16th grid only when a note is off it),
with the key, meter and tempo of its meta events (when it has none: a Krumhansl-Schmuckler key
estimate, 4/4 and 120 BPM, each said in :attr:`Phrase.remarks`). The phrase becomes the first
block(s) of the chain (items with id :data:`PHRASE_ID`); the continuation is searched from the
hash code of the phrase's last block (:func:`anchor`); a block the user edited whose segment is
gone stands for itself the same way (:func:`block_anchor`). ``segue compose --start-midi`` uses
:func:`closest_segment`: the segment whose features differ least from the phrase's start.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from engine.music.midi_export import RenderedNote

PHRASE_ID = -1  # the id of a chain block that is the user's phrase, not a corpus segment
PHRASE_TUNE = "your phrase"  # its source "tune": the block's title in the Composer
MAX_PHRASE_BLOCKS = 8  # blocks of a phrase that are kept (32 beats in 4/4)
GRID = 4  # steps per beat (16th notes)
_anchors: dict[tuple, int] = {}


@dataclass(frozen=True)
class Phrase:
    """A MIDI phrase as the chain keeps it: notes in beats from its first block, and its setting."""

    name: str
    notes: tuple[RenderedNote, ...]
    key: str
    meter: str
    tempo: float
    blocks: int
    remarks: tuple[str, ...] = ()  # what was estimated, moved onto the grid or cut


def _estimate_key(notes: list) -> str:
    """Krumhansl-Schmuckler key of ``notes`` (duration-weighted pitch classes), e.g. ``"D"``."""
    import numpy as np

    from engine.dshl.keyfind import find_key
    from engine.music.transpose import MAJOR_KEY_NAMES, MINOR_KEY_NAMES

    hist = np.zeros(12)
    for note in notes:
        hist[note.pitch % 12] += note.end - note.start
    tonic, minor, _ = find_key(hist)
    return (MINOR_KEY_NAMES if minor else MAJOR_KEY_NAMES)[tonic]


def _snap(beats: float) -> tuple[float, bool]:
    """``beats`` on the 16th grid, and whether it had to move."""
    on = round(beats * GRID) / GRID
    return on, abs(on - beats) > 1e-6


def read_phrase(path: str | Path) -> Phrase:
    """Read the user's phrase (ValueError naming the file when it cannot be used)."""
    from engine.music.meters import block_beats
    from engine.music.midi_import import read_meta, read_midi
    from engine.music.transpose import MAJOR_KEY_NAMES, MINOR_KEY_NAMES, parse_key
    from engine.music.tune import ImportProblem

    path = Path(path)
    try:
        tune = read_midi(path)
        meta = read_meta(path)
    except ImportProblem as exc:
        raise ValueError(f"{path}: {exc}") from exc
    remarks: list[str] = []
    meter = tune.meter
    if meta.meter is None:
        remarks.append("no time signature in the file: 4/4")
    tempo = meta.tempo
    if tempo is None:
        tempo = 120.0
        remarks.append("no tempo in the file: 120 BPM")
    if meta.key is not None:
        tonic, minor = parse_key(meta.key)
        key = (MINOR_KEY_NAMES if minor else MAJOR_KEY_NAMES)[tonic]
    else:
        key = _estimate_key(tune.melody)
        remarks.append(f"no key signature in the file: {key} estimated from its notes")
    size = block_beats(meter)
    parts = [(n, "melody", 96) for n in tune.melody] + [(n, "chords", 64) for n in tune.chords]
    if not parts:
        raise ValueError(f"{path}: the phrase has no notes")
    offset = math.floor(min(n.start for n, _, _ in parts) / size) * size  # empty blocks before
    limit = MAX_PHRASE_BLOCKS * size
    notes, moved, cut = [], 0, 0
    for note, track, velocity in parts:
        start, off_a = _snap(note.start - offset)
        end, off_b = _snap(note.end - offset)
        end = max(end, start + 1.0 / GRID)
        if start >= limit:
            cut += 1
            continue
        moved += off_a or off_b
        notes.append(RenderedNote(start, min(end, limit), note.pitch, velocity, track))
    notes.sort(key=lambda n: (n.start_beats, n.track, n.pitch))
    if moved:
        remarks.append(f"{moved} note{'s' * (moved != 1)} moved onto the 16th grid")
    if cut:
        remarks.append(f"only the first {MAX_PHRASE_BLOCKS} blocks are kept "
                       f"({cut} later note{'s' * (cut != 1)} left out)")
    blocks = max(1, min(MAX_PHRASE_BLOCKS, math.ceil(max(n.end_beats for n in notes) / size
                                                     - 1e-9)))
    return Phrase(path.name, tuple(notes), key, meter, float(tempo), blocks, tuple(remarks))


def phrase_features(notes: tuple[RenderedNote, ...], key: str, meter: str, blocks: int,
                    vocab: list[str]):
    """The phrase's (blocks × steps, 29) feature matrix, moved to C (A minor) like the corpus."""
    import numpy as np

    from engine.music.midi_import import SUPPORTED_METERS
    from engine.music.segments import FAMILIES, encode, meter_family, to_grid
    from engine.music.tune import Note, Tune

    steps = FAMILIES[meter_family(meter)].steps
    tune = Tune(
        name="phrase", key=key, keys=[key], meter=meter,
        beats_per_bar=SUPPORTED_METERS[tuple(int(v) for v in meter.split("/"))],
        melody=[Note(n.start_beats, n.end_beats, n.pitch) for n in notes if n.track == "melody"],
        chords=[Note(n.start_beats, n.end_beats, n.pitch) for n in notes if n.track == "chords"])
    feats = encode(to_grid(tune), vocab)[:blocks * steps]
    pad = blocks * steps - len(feats)
    if pad > 0:
        feats = np.concatenate([feats, np.zeros((pad, feats.shape[1]), np.uint8)])
    return feats


def anchor(col, request, allowed) -> int:
    """The segment that stands for the phrase's last block in the search and the re-ranker.

    The forward hash code of the phrase's last block is computed with the model (as for any
    segment); the allowed segment, on a downbeat when there is one, whose forward code is
    nearest to it (the same code whenever the collection holds one) and whose notes differ
    least from the block's is returned: the continuation is retrieved from the phrase's code.
    """
    key = (id(col), request.phrase_notes, request.key, request.meter, request.phrase_blocks,
           request.pitch_offset)
    if key not in _anchors:
        notes = _unshifted(request.phrase_notes, request.pitch_offset)
        feats = phrase_features(notes, request.key, request.meter, request.phrase_blocks,
                                col.loaded.vocab)
        _remember(key, _nearest_code(col, feats[-col.corpus.steps:], allowed))
    return _anchors[key]


def block_anchor(col, notes: tuple[RenderedNote, ...], request, allowed) -> int:
    """The segment that stands for a user block (``notes`` in beats from its start) that has
    no segment of its own: found as :func:`anchor` finds the phrase's."""
    key = (id(col), notes, request.key, request.meter, request.pitch_offset)
    if key not in _anchors:
        feats = phrase_features(_unshifted(notes, request.pitch_offset), request.key,
                                request.meter, 1, col.loaded.vocab)
        _remember(key, _nearest_code(col, feats, allowed))
    return _anchors[key]


def _unshifted(notes: tuple[RenderedNote, ...], offset: int) -> tuple[RenderedNote, ...]:
    """``notes`` without the chain's extra octaves (``pitch_offset``): as the corpus has them."""
    from dataclasses import replace

    return notes if not offset else tuple(replace(n, pitch=n.pitch - offset) for n in notes)


def _remember(key: tuple, segment: int) -> None:
    if len(_anchors) > 64:
        _anchors.clear()
    _anchors[key] = segment


def _nearest_code(col, last, allowed) -> int:
    """The allowed segment (on a downbeat when there is one) nearest to the block ``last``
    (steps × 29 features): by forward hash code, then by differing feature bits, then id."""
    import numpy as np
    import torch

    with torch.no_grad():
        soft = col.loaded.model.soft_f(torch.from_numpy(last[None]))[0].numpy()
    code = soft.argmax(-1).astype(np.uint8)
    mask = np.asarray(allowed, dtype=bool)
    downbeat = mask & (col.corpus.phase == 0)
    mask = downbeat if downbeat.any() else mask
    ids = np.nonzero(mask)[0]
    if len(ids) == 0:
        raise ValueError("no segment of the collection can follow your phrase")
    code_gap = (col.meta.code_f[ids] != code[None]).sum(1)
    note_gap = (col.corpus.features[ids].reshape(len(ids), -1) != last.reshape(1, -1)).sum(1)
    return int(ids[np.lexsort((ids, note_gap, code_gap))[0]])


def phrase_segments(path: str | Path, collection: str = "nottingham", max_blocks: int = 4,
                    meter: str = "4/4") -> list[int]:
    """Ids of the segments nearest to each block of the MIDI phrase in ``path`` (fewest
    differing feature bits; each window takes one not taken by an earlier window)."""
    import numpy as np

    from engine.dshl import store
    from engine.music.midi_import import read_midi
    from engine.music.segments import encode, meter_family, to_grid
    from engine.music.tune import ImportProblem

    try:
        col = store.load_collection(collection, meter_family(meter))
    except (KeyError, ImportProblem) as exc:
        raise ValueError(exc.args[0]) from exc
    steps = col.corpus.steps
    try:
        feats = encode(to_grid(read_midi(path)), col.loaded.vocab)
    except ImportProblem as exc:
        raise ValueError(f"{path}: {exc}") from exc
    windows = max(1, min(max_blocks, int(np.ceil(len(feats) / steps))))
    pad = windows * steps - len(feats)
    if pad > 0:
        feats = np.concatenate([feats, np.zeros((pad, feats.shape[1]), np.uint8)])
    flat = col.corpus.features.reshape(len(col.corpus), -1)
    taken: list[int] = []
    for w in range(windows):
        target = feats[w * steps:(w + 1) * steps].reshape(-1)
        if not target.any():
            break  # silence after the phrase: stop matching
        diff = (flat != target[None]).sum(1)
        diff[taken] = diff.max() + 1
        taken.append(int(np.argmin(diff)))
    if not taken:
        raise ValueError(f"{path}: the phrase has no notes in its first {windows * 4} beats")
    return taken


def closest_segment(path: str | Path, collection: str = "nottingham", meter: str = "4/4") -> int:
    """Id of the segment of ``collection`` (tunes of ``meter``'s family) whose features differ
    least from the phrase's start."""
    return phrase_segments(path, collection, max_blocks=1, meter=meter)[0]
