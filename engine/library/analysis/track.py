"""Everything one audio file gives a library: the analysis a scan stores for each track.

:func:`analyse_one` runs in a scan's pool process, in the scanning process or on a Dask worker and
never raises: a file it cannot use comes back as ``{"path", "reason"}``. It opens regular files
only (:func:`not_a_file`): a FIFO, socket or device named like audio is refused from its
``stat``, never opened, so it cannot hang the scan. The result is a plain picklable dict: tags,
duration, tempo, the feature vector, the music score, the Chromaprint fingerprint, log-mel patches
and lyrics with their sentiment (:func:`analyse_extras`), the music tagger's tags and embedding
(:mod:`.tagging`; ``tag_seconds`` is its CPU time) and the track's kind — music, speech or other
(:mod:`.kind`).

``SEGUE_TAGGER=off`` in the environment leaves the tagger out (no tags, the detector decides
without them): for benchmarks that measure the analysis with and without it.
"""

from __future__ import annotations

import os
import stat
import time

import numpy as np

_KINDS = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISDIR, "a folder"))


def not_a_file(mode: int) -> str:
    """The skip reason for a ``stat`` mode that is not a regular file, else ``""``."""
    if stat.S_ISREG(mode):
        return ""
    kind = next((name for test, name in _KINDS if test(mode)), "a special file")
    return f"not a regular file ({kind}); never opened"


def analyse_extras(path: str, samples: np.ndarray, sample_rate: int) -> dict[str, object]:
    """``patches`` (float16 bytes), ``patch_count``, ``patch_version``, ``lyrics`` (str or None),
    ``lyrics_source`` and ``sentiment`` (dict of floats or None) for one decoded file."""
    from engine.library.analysis.lyrics import analyse_lyrics
    from engine.library.analysis.melpatches import PATCH_VERSION, mel_patches, patches_to_bytes

    patches = mel_patches(samples, sample_rate)
    return {
        "patches": patches_to_bytes(patches),
        "patch_count": int(patches.shape[0]),
        "patch_version": PATCH_VERSION,
        **analyse_lyrics(path),
    }


def analyse_one(path: str) -> dict[str, object]:
    """Decode and analyse one file, read its tags; never raises."""
    from engine.library.analysis.decode import DecodeError, decode
    from engine.library.analysis.features import FEATURE_NAMES, FEATURE_VERSION, analyse_samples
    from engine.library.analysis.fingerprint import fingerprint
    from engine.library.analysis.kind import decide
    from engine.library.analysis.metadata import read_tags
    from engine.library.analysis.nonmusic import music_score
    from engine.library.analysis.tagging import tagger_enabled

    try:
        reason = not_a_file(os.stat(path).st_mode)  # replaced by a FIFO since the reconcile?
    except OSError:
        reason = ""  # missing or unreadable: decode() gives the reason a scan always gave
    if reason:
        return {"path": path, "reason": reason}
    try:
        tagging = tagger_enabled()
        decoded = decode(path, for_tagger=tagging)
        vector, stability = analyse_samples(decoded.samples, decoded.sample_rate)
        pulse = float(vector[FEATURE_NAMES.index("pulse_clarity")])
        prints = fingerprint(decoded.samples, decoded.sample_rate)
        extras = analyse_extras(path, decoded.samples, decoded.sample_rate)  # patches, lyrics
        tags, tag_seconds = (tag_track(decoded.tagger, decoded.tagger_rate) if tagging
                             else ({}, 0.0))
        score = music_score(stability, pulse)
        probs = (np.frombuffer(tags["tag_probs"], np.float32) if tags.get("tag_probs")
                 else None)
        kind, p_music = decide(vector, stability, score, probs, str(tags.get("tag_model", "")))
    except DecodeError as exc:
        return {"path": path, "reason": str(exc)}
    except MemoryError:
        return {"path": path, "reason": "too big to analyse (out of memory)"}
    except Exception as exc:  # noqa: BLE001 - one bad file must never stop the scan
        return {"path": path, "reason": f"analysis failed: {type(exc).__name__}: {exc}"}
    return {
        "path": path,
        "vector": vector.astype(np.float32).tobytes(),
        "version": FEATURE_VERSION,
        "duration": float(decoded.duration),
        "tempo": float(vector[0]),
        "music_score": score,
        "kind": kind,
        "music_probability": p_music,
        "fingerprint": prints,
        "tags": read_tags(path),
        "tagged": tagging,
        "tag_seconds": tag_seconds,
        **tags,
        **extras,
    }


def tag_track(excerpts: list[np.ndarray], rate: int) -> tuple[dict[str, object], float]:
    """The tagger's fields for a decoded track (:func:`.tagging.tag_excerpts`) and its CPU time.

    torch runs on one thread here (restored after), as the analysis's BLAS pools do: the same
    floats in every process, and no oversubscription when two scan workers share two cores."""
    import torch

    from engine.library.analysis.tagging import tag_excerpts

    threads = torch.get_num_threads()
    started = time.process_time()
    torch.set_num_threads(1)
    try:
        found = tag_excerpts(excerpts, rate)
    finally:
        torch.set_num_threads(threads)
    return found, time.process_time() - started


def analyse_file(path: str) -> dict[str, object]:
    """:func:`analyse_one` with BLAS/OpenMP at one thread (the same floats in every process)."""
    from engine.library.analysis.onethread import single_threaded

    return single_threaded(analyse_one, path)
