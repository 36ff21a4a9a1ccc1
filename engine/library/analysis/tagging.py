"""The music tagger's evidence for one scanned track (engine/tagger: pretrained musicnn).

The scan decodes a long track as three excerpts (:mod:`.decode`); the tagger hears
:data:`SCAN_PATCHES` 3-s windows of them, spread evenly over the excerpts in proportion to their
length, each resampled to its 16 kHz on its own (:func:`windows`: resampling the whole excerpts
cost as much as the tagger). A track's tag probabilities and penultimate-layer embedding are the
means over its windows.

What is stored (:func:`tag_excerpts`): the model name, the probabilities and the 200-d embedding
as float32 bytes, and the tags shown for the track (:func:`shown_tags`: the strongest few, as
``{"tag": probability}``). Audio the tagger refuses (shorter than a second, silent) gets no tags;
a missing or broken model file gets none either, and the scan goes on (logged once).
"""

from __future__ import annotations

import json
import os

import numpy as np

SCAN_MODEL = "MSD_musicnn"  # genre, mood, decade, vocals (jazz, chill, female vocalists...)
SCAN_PATCHES = 3  # 3-s windows per track: ~0.15 CPU-s; tags at cosine 0.982 of the whole track's
TAG_VERSION = 2  # of what the scan stores; a new version re-tags at the next scan
TAGGER_RATE = 16000
PATCH_SECONDS = 3.0  # a musicnn patch: 187 frames of 256 samples at 16 kHz (2.99 s)
WINDOW = int(PATCH_SECONDS * TAGGER_RATE)
MARGIN_SECONDS = 0.05  # resampled beyond each window's ends, then cut off
SHOW_AT_MOST = 5
SHOW_FLOOR = 0.1  # a tag is shown from this probability...
SHOW_RELATIVE = 0.5  # ...and at least this fraction of the track's strongest tag
_failed: list[str] = []


def tagger_enabled() -> bool:
    """False when ``SEGUE_TAGGER`` is ``off`` (benchmarks measuring the analysis without it)."""
    return os.environ.get("SEGUE_TAGGER", "").strip().lower() not in ("off", "0", "no")


def shown_tags(names: tuple[str, ...] | list[str], probabilities: np.ndarray) -> dict[str, float]:
    """The tags a track shows: the strongest :data:`SHOW_AT_MOST` at or above the floor and
    half the strongest, as ``{tag: probability}`` (3 decimals), strongest first."""
    probabilities = np.asarray(probabilities, dtype=np.float64)
    if probabilities.size == 0:
        return {}
    floor = max(SHOW_FLOOR, SHOW_RELATIVE * float(probabilities.max()))
    order = np.argsort(-probabilities, kind="stable")[:SHOW_AT_MOST]
    return {str(names[i]): round(float(probabilities[i]), 3) for i in order
            if probabilities[i] >= floor}


def to_tagger_rate(samples: np.ndarray, rate: int) -> np.ndarray:
    """Mono float32 ``samples`` at ``rate`` resampled to 16 kHz (soxr HQ, as librosa does)."""
    samples = np.asarray(samples, dtype=np.float32)
    if rate == TAGGER_RATE:
        return samples
    import soxr

    return soxr.resample(samples, rate, TAGGER_RATE, quality="HQ").astype(np.float32)


def _patch_shares(lengths: list[int], total: int) -> list[int]:
    """Patches per excerpt: ``total`` spread in proportion to the lengths, at least one each."""
    weights = np.asarray(lengths, dtype=np.float64)
    raw = weights / max(1.0, weights.sum()) * total
    shares = np.maximum(1, np.floor(raw)).astype(int)
    for index in np.argsort(-(raw - np.floor(raw))):
        if shares.sum() >= total:
            break
        shares[index] += 1
    return shares.tolist()


def windows(excerpts: list[np.ndarray], rate: int, patches: int = SCAN_PATCHES
            ) -> list[np.ndarray]:
    """The 3-s windows the tagger hears, at 16 kHz: ``patches`` of them spread evenly over the
    excerpts (in proportion to their lengths). Only these seconds are resampled (soxr HQ, with
    a margin each side so the filter's edges fall outside); an excerpt shorter than a window
    (but at least a second) is heard whole, as the tagger repeat-pads it."""
    seconds = PATCH_SECONDS
    usable = [e for e in excerpts if len(e) >= rate]  # the tagger's one-second minimum
    if not usable or rate <= 0:
        return []
    out = []
    for excerpt, share in zip(usable, _patch_shares([len(e) for e in usable], patches),
                              strict=True):
        length = len(excerpt) / rate
        if length <= seconds:
            out.append(to_tagger_rate(excerpt, rate))
            continue
        margin = int(MARGIN_SECONDS * rate)
        for start in np.linspace(0.0, length - seconds, share + 2)[1:-1] if share > 1 else \
                [(length - seconds) / 2]:
            a = int(start * rate)
            b = a + int(round(seconds * rate))
            piece = excerpt[max(0, a - margin):min(len(excerpt), b + margin)]
            heard = to_tagger_rate(piece, rate)
            skip = int(round((a - max(0, a - margin)) * TAGGER_RATE / rate))
            out.append(heard[skip:skip + WINDOW])
    return out


def tag_excerpts(excerpts: list[np.ndarray], rate: int, model: str = SCAN_MODEL,
                 patches: int = SCAN_PATCHES) -> dict[str, object]:
    """Tag a track heard as mono ``excerpts`` at ``rate`` Hz; ``{}`` if it cannot be.

    Returns ``tag_model``, ``tag_version``, ``tag_names``, ``tag_probs`` and ``tag_embedding``
    (float32 bytes, means over the patches) and ``tag_top`` (JSON of :func:`shown_tags`).
    """
    from engine.tagger.tag import TaggerError, tag_audio

    heard = windows(excerpts, rate, patches)
    if not heard:
        return {}
    probs, embeds, weights, names = [], [], [], ()
    try:
        for window in heard:
            found = tag_audio(window, TAGGER_RATE, model=model, max_patches=1)
            count = len(found.patch_starts)
            probs.append(found.probabilities * count)
            embeds.append(found.embedding * count)
            weights.append(count)
            names = found.tags
    except TaggerError as exc:
        if "silent" not in str(exc) and "short" not in str(exc) and not _failed:
            _failed.append(str(exc))
            from engine.logsetup import get_logger

            get_logger(__name__).warning("no tags: %s", exc)
        return {}
    total = float(sum(weights))
    probabilities = (np.sum(probs, axis=0) / total).astype(np.float32)
    embedding = (np.sum(embeds, axis=0) / total).astype(np.float32)
    return {
        "tag_model": model,
        "tag_version": TAG_VERSION,
        "tag_names": tuple(names),
        "tag_probs": probabilities.tobytes(),
        "tag_embedding": embedding.tobytes(),
        "tag_top": json.dumps(shown_tags(names, probabilities), ensure_ascii=False),
    }


def parse_top(text: str | None) -> dict[str, float]:
    """The stored ``tag_top`` JSON as a dict (``{}`` when empty or unreadable)."""
    if not text:
        return {}
    try:
        found = json.loads(text)
    except ValueError:
        return {}
    return {str(k): float(v) for k, v in found.items()} if isinstance(found, dict) else {}
