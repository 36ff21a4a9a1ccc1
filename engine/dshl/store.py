"""Load the DSHL model and its collections once, and cache them for the process.

The bundled model and Nottingham corpus live in ``assets/models/dshl/``; a model trained with
``segue dshl train`` goes to ``SEGUE_HOME/models/dshl/`` and takes precedence. Imported
collections are corpus files in ``SEGUE_HOME/models/dshl/collections/``; their codes are
computed with the current model when they load, so a retrained model never sees stale codes.
"""

from __future__ import annotations

import threading
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from engine.checkpoint import (
    CheckpointError,
    check_weights,
    config_from_dict,
    load_checkpoint,
    zip_members,
)
from engine.dshl.corpus import Corpus
from engine.dshl.model import DSHL, FORMAT_VERSION, KIND, DSHLConfig
from engine.dshl.pairs import TransitionStat, edges
from engine.dshl.reranker import NumpyScorer, Reranker, RerankerConfig, SegmentMeta
from engine.dshl.search import HashIndex, segment_meta, segment_states
from engine.dshl.stacker import STACKER_FILE, Stacker, load_stacker
from engine.paths import assets_dir, check_name, models_dir

MODEL_FILE = "model.pt"  # a trained model folder: the hash model + re-ranker checkpoint
CORPUS_FILE = "nottingham.npz"  # ... and the segments it was trained on

BUNDLED = "nottingham"
MAX_COLLECTION_BYTES = 256 * 1024 * 1024  # unpacked arrays of one collection file (Nottingham: 2 MB)
_lock = threading.RLock()
_models: dict[tuple[str, float], LoadedModel] = {}
_collections: dict[tuple[str, str, float], Collection] = {}
_recent: dict[tuple[str, str, str], tuple[float, Collection]] = {}
RECHECK_SECONDS = 2.0


@dataclass
class LoadedModel:
    """A loaded checkpoint: hash model, re-ranker, statistic, chord vocabulary, metrics."""

    path: Path
    model: DSHL
    reranker: Reranker
    stat: TransitionStat
    vocab: list[str]
    heldout: list[str]
    config: dict
    metrics: dict
    temperature: float = 2.0  # composer sampling temperature, calibrated on the selection split
    split: dict | None = None  # tune names per side: train / selection / test
    family: str = "duple"
    duplicate_groups: list | None = None  # near-duplicate tune groups (names)
    created: str = ""  # when the model was trained (a stacker fitted on another model is ignored)
    stacker: Stacker | None = None  # the stacked second stage fitted for this model, if any


@dataclass
class Collection:
    """An indexed collection: corpus, per-segment meta, LSTM projections and hash indexes."""

    name: str
    corpus: Corpus
    meta: SegmentMeta
    u: np.ndarray  # re-ranker projections of forward states (N, P)
    v: np.ndarray  # re-ranker projections of backward states (N, P)
    index_b: HashIndex  # backward codes: who can follow a forward code
    index_f: HashIndex  # forward codes: who can precede a backward code
    loaded: LoadedModel
    scorer: NumpyScorer


FAMILY_DIRS = {"duple": "", "triple": "triple"}


def family_dir(base: Path, family: str) -> Path:
    """The folder of one meter family's model under ``base`` (duple at the top, for old files)."""
    if family not in FAMILY_DIRS:
        raise KeyError(f"unknown meter family {family!r} (known: {', '.join(FAMILY_DIRS)})")
    return base / FAMILY_DIRS[family] if FAMILY_DIRS[family] else base


def user_dir() -> Path:
    """Folder of the user's trained model and imported collections."""
    return models_dir() / "dshl"


def bundled_dir() -> Path:
    """Folder of the bundled model."""
    return assets_dir() / "models" / "dshl"


def model_dir(family: str = "duple") -> Path:
    """The folder whose model is used: the user's if trained, else the bundled one."""
    mine = family_dir(user_dir(), family)
    return mine if (mine / MODEL_FILE).is_file() else family_dir(bundled_dir(), family)


def load_model(path: str | Path | None = None, family: str = "duple") -> LoadedModel:
    """Load (once) the model at ``path`` or the active one; raise CheckpointError if unusable."""
    path = Path(path) if path else model_dir(family) / MODEL_FILE
    stamp = path.stat().st_mtime if path.is_file() else 0.0
    stacked = path.parent / STACKER_FILE
    stamp += stacked.stat().st_mtime * 1e-3 if stacked.is_file() else 0.0  # refitted: reload
    with _lock:
        cached = _models.get((str(path), stamp))
        if cached is None:
            cached = _models[(str(path), stamp)] = _read_model(path)
        return cached


def _read_model(path: Path) -> LoadedModel:
    """Rebuild the networks from a checkpoint (weights-only)."""
    ckpt = load_checkpoint(path, KIND, FORMAT_VERSION)
    try:
        config = config_from_dict(DSHLConfig, ckpt.config["dshl"])
        rconfig = config_from_dict(RerankerConfig, ckpt.config["reranker"])
        state = ckpt.state_dict
        hashing = {k[5:]: v for k, v in state.items() if k.startswith("hash.")}
        reranking = {k[7:]: v for k, v in state.items() if k.startswith("rerank.")}
        check_weights(path, lambda: DSHL(config), hashing)  # sizes match before allocating
        check_weights(path, lambda: Reranker(rconfig), reranking)
        model, reranker = DSHL(config), Reranker(rconfig)
        model.load_state_dict(hashing)
        reranker.load_state_dict(reranking)
        stat = TransitionStat(state["stat.chord"].numpy(), state["stat.pitch"].numpy())
        vocab = [str(v) for v in ckpt.extra["vocab"]]
    except (KeyError, RuntimeError, TypeError, ValueError) as exc:
        raise CheckpointError(
            f"{path}: incompatible DSHL model (format version {ckpt.format_version}): {exc}"
        ) from exc
    model.eval()
    reranker.eval()
    temperature = float(ckpt.config.get("compose", {}).get("temperature", 2.0))
    created = str(ckpt.extra.get("created", ""))
    stacker = _read_stacker(path.parent / STACKER_FILE, created)
    if stacker is not None and stacker.temperature is not None:
        temperature = stacker.temperature
    return LoadedModel(path, model, reranker, stat, vocab, list(ckpt.extra.get("heldout", [])),
                       ckpt.config, ckpt.metrics, temperature, ckpt.extra.get("split"),
                       str(ckpt.extra.get("family", "duple")), ckpt.extra.get("duplicate_groups"),
                       created, stacker)


def _read_stacker(path: Path, created: str) -> Stacker | None:
    """The stacker beside a model, if there is one fitted for this very model (same training
    stamp); a stacker fitted on another model would rank with the wrong neural scores."""
    if not path.is_file():
        return None
    stacker = load_stacker(path)
    return stacker if stacker.model_created == created else None


FAMILY_SUFFIX = "@"  # imported triple-meter tunes: NAME@triple.npz (names never hold "@")


def check_collection_name(name: str) -> str:
    """Return ``name`` if it is a name (never a path); else raise :class:`engine.paths.BadName`.

    Every collection name becomes a file name here, so a name like ``../../x`` is refused
    before any file is looked for.
    """
    return check_name(name, "collection")


def collection_file(name: str, family: str = "duple") -> Path:
    """Where collection ``name``'s tunes of meter ``family`` are stored (BadName if ``name`` is
    not a plain name)."""
    check_collection_name(name)
    if name == BUNDLED:
        return model_dir(family) / CORPUS_FILE
    suffix = "" if family == "duple" else f"{FAMILY_SUFFIX}{family}"
    return user_dir() / "collections" / f"{name}{suffix}.npz"


def collection_families(name: str) -> list[str]:
    """Meter families collection ``name`` has tunes in (bundled: those with a model)."""
    return [f for f in FAMILY_DIRS if collection_file(name, f).is_file()]


def collection_meters(name: str) -> list[str]:
    """Meters collection ``name`` holds tunes in (read from its corpus files, no model loaded),
    in the order of :data:`engine.music.segments.METERS`; an unreadable file adds none."""
    from engine.music.segments import METERS

    held: set[str] = set()
    for family in collection_families(name):
        try:
            _check_unpacked_size(collection_file(name, family))
            with np.load(collection_file(name, family), allow_pickle=False) as arrays:
                meters = arrays["meters"] if "meters" in arrays.files else ["4/4"]  # old files
                held.update(str(m) for m in meters)
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
            continue
    return [f"{n}/{d}" for n, d in METERS if f"{n}/{d}" in held]


def list_collections() -> list[str]:
    """Names of the collections: the bundled one, then imported ones (sorted)."""
    folder = user_dir() / "collections"
    stems = {p.stem.split(FAMILY_SUFFIX)[0] for p in folder.glob("*.npz")} if folder.is_dir() else set()
    return [BUNDLED] + sorted(n for n in stems if n != BUNDLED and _is_name(n))


def _is_name(stem: str) -> bool:
    """Tell whether a file stem is a valid collection name (stray files are not listed)."""
    try:
        check_collection_name(stem)
    except ValueError:
        return False
    return True


def read_corpus(path: Path) -> Corpus:
    """Load a corpus file, naming the file when it cannot be read (truncated, tampered, foreign)."""
    try:
        _check_unpacked_size(path)
        with np.load(path, allow_pickle=False) as arrays:
            corpus = Corpus.from_arrays(arrays)
        _check_corpus(corpus)
    except (OSError, ValueError, KeyError, EOFError, IndexError, zipfile.BadZipFile) as exc:
        raise CheckpointError(f"{path}: not a readable collection: {exc or type(exc).__name__}"
                              ) from exc
    return corpus


def _check_unpacked_size(path: Path) -> None:
    """Raise ValueError if the arrays of a collection file would unpack to more than
    :data:`MAX_COLLECTION_BYTES` (a small deflate bomb), judged before any is decompressed."""
    unpacked = sum(member.file_size for member in zip_members(path))
    if unpacked > MAX_COLLECTION_BYTES:
        raise ValueError(f"its arrays would unpack to {unpacked / 2**20:.0f} MB (the limit is "
                         f"{MAX_COLLECTION_BYTES // 2**20} MB)")


def _check_corpus(corpus: Corpus) -> None:
    """Raise ValueError if the arrays disagree (lengths, or indices pointing outside them)."""
    n = len(corpus)
    if n == 0 or not corpus.tunes:
        raise ValueError("no segments")
    if any(len(a) != n for a in (corpus.tune, corpus.position, corpus.ends, corpus.phase)):
        raise ValueError("arrays of different lengths")
    if corpus.tune.min() < 0 or corpus.tune.max() >= len(corpus.tunes):
        raise ValueError("tune index out of range")
    for pairs in (corpus.junctions, corpus.overlaps):
        if pairs.size and (pairs.ndim != 2 or pairs.shape[1] != 2 or pairs.min() < 0
                           or pairs.max() >= n):
            raise ValueError("segment index out of range")


def load_collection(name: str = BUNDLED, family: str = "duple") -> Collection:
    """Load (once) collection ``name``'s tunes of meter ``family``, indexed with that family's
    active model.

    Files are re-checked (a retrained model or re-imported collection is picked up) at most
    every :data:`RECHECK_SECONDS` per collection, so composing does not pay for file-system calls.
    """
    check_collection_name(name)  # a path is refused before the model loads
    home = str(models_dir())
    now = time.monotonic()
    with _lock:
        recent = _recent.get((home, name, family))
        if recent is not None and now - recent[0] < RECHECK_SECONDS:
            return recent[1]
    loaded = load_model(family=family)
    path = collection_file(name, family)
    if not path.is_file():
        if name == BUNDLED:
            raise CheckpointError(f"{path}: the bundled collection is missing")
        if name in list_collections():
            raise KeyError(f"collection {name!r} has no tunes in {family} meters")
        raise KeyError(f"no collection named {name!r} (known: {', '.join(list_collections())})")
    key = (str(path), str(loaded.path), path.stat().st_mtime)
    with _lock:
        if key not in _collections:
            _collections[key] = index_corpus(name, read_corpus(path), loaded)
        _recent[(home, name, family)] = (now, _collections[key])
        return _collections[key]


def collection_for(name: str, meter: str = "4/4") -> Collection:
    """Load collection ``name``'s tunes of ``meter``'s family (:func:`load_collection`), turning
    an unknown name or meter into a ValueError: what composing and rendering a chain use."""
    from engine.music.segments import meter_family
    from engine.music.tune import ImportProblem

    try:
        return load_collection(name, meter_family(meter))
    except ImportProblem as exc:
        raise ValueError(str(exc)) from exc
    except KeyError as exc:
        raise ValueError(exc.args[0]) from exc


def model_collection(path: str | Path, name: str = BUNDLED) -> Collection:
    """The corpus saved beside the model file at ``path``, indexed with that model."""
    path = Path(path)
    return index_corpus(name, read_corpus(path.parent / CORPUS_FILE), load_model(path))


def index_corpus(name: str, corpus: Corpus, loaded: LoadedModel) -> Collection:
    """Hash every segment of ``corpus`` with ``loaded`` and build the indexes."""
    states = segment_states(loaded.model, corpus.features)
    meta = segment_meta(loaded.model, corpus, edges(corpus.features), states,
                        loaded.reranker.config.window, loaded.reranker.config.cues)
    with torch.no_grad():
        u, v = loaded.reranker.project(*states)
    K = loaded.model.config.K
    return Collection(name, corpus, meta, u.numpy(), v.numpy(), HashIndex(meta.code_b, K),
                      HashIndex(meta.code_f, K), loaded, NumpyScorer(loaded.reranker))


def clear_cache() -> None:
    """Forget loaded models and collections (after training or importing)."""
    with _lock:
        _models.clear()
        _collections.clear()
        _recent.clear()
