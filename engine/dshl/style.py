"""Chains in a collection's own style: the sampler calibrated per collection, and variety.

The composer draws each next block from the re-ranker's softmax (temperature, nucleus ``top_p``,
at most ``top_k`` candidates). Those settings used to be calibrated once, on Nottingham's
selection tunes, and used for every collection; an imported collection whose tunes leap more
(or less) than Nottingham's then composed chains that did not sound like it. Here they are
calibrated **per collection**, on the collection's own junctions:

* **Split.** The bundled collection uses its model's split (calibration = selection tunes; the
  training tunes are what the re-ranker learnt from). An imported collection is split by tune
  with near-duplicates grouped (:func:`engine.dshl.splits.split_tunes`, seed 0): 25 % test,
  the rest is the calibration side (the model never saw any of it). Both sides are stored, so
  ``segue eval dshl --collection NAME`` reads the test tunes, and only those, once.
* **Calibration.** For every sampler setting of :data:`GRID`, :data:`CHAINS` chains of 8 blocks
  are composed from calibration tunes only (same seeds for every setting), exactly as the
  composer composes (meter and mode of the opening tune, reuse limit 2, endings). The setting
  whose junction leaps as heard (:mod:`engine.dshl.leaps`) are closest to the calibration tunes'
  wins: relative gap of the mean leap plus the gap of the share ≤ 2 semitones.
* **Stored** as ``NAME.style.json`` (``NAME@triple.style.json``) beside the collection's
  ``.npz`` (the bundled collection's in ``SEGUE_HOME/models/dshl/collections/``), with the
  training stamp of the model it was calibrated for: a style calibrated on another model is
  ignored, and the model's own temperature is used.

:func:`variety_message` tells the panel and the CLI when a meter and mode hold too few tunes to
honour the reuse limit. The calibration itself is :mod:`engine.dshl.style_calibrate` (it composes
and evaluates, so the composer never imports it).
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from engine.dshl.store import Collection

STYLE_VERSION = 1
TOP_P, TOP_K = 0.9, 20  # the composer's sampler before per-collection calibration
TEMPERATURES = (0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 10.0)
NUCLEI = ((0.9, 20), (1.0, 50), (1.0, 200))  # (top_p, top_k): the model's, wider, the whole pool
GRID = tuple((t, p, k) for p, k in NUCLEI for t in TEMPERATURES)
CHAINS = 80  # per setting; common seeds for every setting keep the comparison paired
CHAIN_LENGTH = 8
REUSE_LIMIT = 2
TEST_SHARE = 0.25  # imported collections: share of segments held out as the test side
SUFFIX = ".style.json"


@dataclass(frozen=True)
class CollectionStyle:
    """The sampler settings the composer uses for one collection (and where they came from)."""

    temperature: float
    top_p: float = TOP_P
    top_k: int = TOP_K
    source: str = "model"  # "model": the checkpoint's temperature; "calibrated": this collection's
    calibration: dict = field(default_factory=dict, compare=False, hash=False)


def default_style(col: Collection) -> CollectionStyle:
    """The model's own sampler (its temperature calibrated on Nottingham's selection split)."""
    return CollectionStyle(float(col.loaded.temperature))


def style_file(name: str, family: str = "duple") -> Path:
    """Where collection ``name``'s calibrated style for ``family`` is stored."""
    from engine.dshl import store

    if name == store.BUNDLED:  # beside the active model: shipped with the bundled one
        return store.model_dir(family) / f"{name}{SUFFIX}"
    data = store.collection_file(name, family)
    return data.with_name(data.name[: -len(".npz")] + SUFFIX)


_cache: dict[tuple[str, float, str], CollectionStyle | None] = {}


def read_style(path: Path, created: str) -> CollectionStyle | None:
    """The style stored at ``path`` if it was calibrated for the model trained at ``created``;
    None when there is none, it is unreadable, or it belongs to another model."""
    try:
        stamp = path.stat().st_mtime
    except OSError:
        return None
    key = (str(path), stamp, created)
    if key not in _cache:
        _cache[key] = _parse(path, created)
    return _cache[key]


def _parse(path: Path, created: str) -> CollectionStyle | None:
    """Parse a style file (None if unreadable, foreign or for another model)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != STYLE_VERSION or data.get("model_created") != created:
            return None
        temperature, top_p, top_k = (float(data["temperature"]), float(data["top_p"]),
                                     int(data["top_k"]))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    if not (0 < temperature <= 100 and 0 < top_p <= 1 and 1 <= top_k <= 10_000):
        return None
    return CollectionStyle(temperature, top_p, top_k, "calibrated",
                           data.get("calibration", {}))


def collection_style(col: Collection) -> CollectionStyle:
    """The sampler for collection ``col``: its calibrated style when one is stored for the
    active model, else the model's (see module docstring)."""
    stored = getattr(col, "style", None)  # set by the store when it loads the collection
    if isinstance(stored, CollectionStyle):
        return stored
    name = col.name
    try:
        path = style_file(name, col.corpus.family)
    except (ValueError, KeyError):  # not a stored collection (an eval view, a test corpus)
        return default_style(col)
    return read_style(path, col.loaded.created) or default_style(col)


def as_dict(style: CollectionStyle) -> dict:
    """The style as plain JSON-ready values (the calibration table left out)."""
    data = asdict(style)
    data.pop("calibration")
    return data


def tunes_available(col: Collection, meter: str, mode: str) -> int:
    """How many tunes of collection ``col`` a chain in ``meter`` and ``mode`` can draw from."""
    from engine.dshl.corpus import chain_meters

    meters = set(chain_meters(meter))
    return sum(1 for m, o in zip(col.corpus.meters, col.corpus.modes, strict=False)
               if m in meters and o == mode)


def variety_message(col: Collection | str, meter: str, key: str, segments: int,
                    reuse_limit: int | None = REUSE_LIMIT) -> str | None:
    """A line for the panel and the CLI when the ``meter`` / ``key`` tunes of ``col`` (a
    collection or its name) are too few for a chain of ``segments`` blocks to honour
    ``reuse_limit`` (blocks per tune), or so few that every chain draws on the same ones;
    None when there are enough."""
    from engine.dshl import store
    from engine.music.segments import meter_family
    from engine.music.transpose import parse_key

    mode = "minor" if parse_key(key)[1] else "major"
    if isinstance(col, str):
        col = store.load_collection(col, meter_family(meter))
    have = tunes_available(col, meter, mode)
    what = f"{mode} tunes in {meter}"
    if have == 0:
        return f"Collection {col.name!r} has no {what}."
    if not reuse_limit:
        return None
    need = math.ceil(segments / reuse_limit)
    count = f"{have} {mode} {'tune' if have == 1 else 'tunes'} in {meter}"
    if have < need:
        return (f"Collection {col.name!r} has only {count}: a chain of {segments} blocks with "
                f"at most {reuse_limit} per tune needs {need}, so blocks of the same tunes will "
                f"repeat. Import more {what}, raise the reuse limit or shorten the chain.")
    if have < 2 * need:
        return (f"Collection {col.name!r} has only {count}: every {segments}-block chain will "
                f"draw on the same few tunes.")
    return None
