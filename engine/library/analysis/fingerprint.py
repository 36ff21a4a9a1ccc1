"""Acoustic fingerprints (Chromaprint through pyacoustid) to find the same audio under two tags.

The scan fingerprints the audio it already decoded for analysis (mono, about 11 kHz: the rate
Chromaprint works at) and keeps :data:`KEEP` 32-bit sub-fingerprints from its middle (about 14 s).
Two tracks are the same recording when, at the best of a few small offsets, fewer than
:data:`MAX_BIT_ERRORS` of their bits differ (a re-encode differs in a few percent, different
songs in about half). Without libchromaprint the fingerprint is empty and the check is skipped.
"""

from __future__ import annotations

import numpy as np

KEEP = 64
MAX_BIT_ERRORS = 0.2
MAX_SHIFT = 3
MIN_OVERLAP = 8


def fingerprint(samples: np.ndarray, rate: int) -> bytes:
    """Raw Chromaprint sub-fingerprints (uint32 bytes) of mono float ``samples``; b"" if none."""
    try:
        import acoustid
        import chromaprint
    except ImportError:
        return b""
    if not getattr(acoustid, "have_chromaprint", False) or len(samples) < rate:
        return b""
    pcm = (np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()
    try:
        encoded = acoustid.fingerprint(int(rate), 1, iter([pcm]))
        raw = np.asarray(chromaprint.decode_fingerprint(encoded)[0], dtype=np.int64)
    except Exception:  # noqa: BLE001 - a fingerprint is optional: never fail a scan for it
        return b""
    raw = (raw & 0xFFFFFFFF).astype(np.uint32)
    start = max(0, (len(raw) - KEEP) // 2)
    return raw[start:start + KEEP].tobytes()


_BITS = np.unpackbits(np.arange(256, dtype=np.uint8)[:, None], axis=1).sum(axis=1)


def bit_error_rate(a: bytes, b: bytes) -> float:
    """Smallest fraction of differing bits between two fingerprints over small offsets (1.0 when
    they cannot be compared)."""
    x, y = np.frombuffer(a, np.uint32), np.frombuffer(b, np.uint32)
    best = 1.0
    for shift in range(-MAX_SHIFT, MAX_SHIFT + 1):
        xs, ys = (x[shift:], y) if shift >= 0 else (x, y[-shift:])
        n = min(len(xs), len(ys))
        if n < MIN_OVERLAP:
            continue
        diff = np.bitwise_xor(xs[:n], ys[:n]).view(np.uint8)
        best = min(best, float(_BITS[diff].sum()) / (32.0 * n))
    return best


def same_audio(a: bytes, b: bytes) -> bool:
    """True when two fingerprints come from the same recording."""
    return bool(a) and bool(b) and bit_error_rate(a, b) < MAX_BIT_ERRORS


MAX_BUCKET = 32  # a sub-fingerprint shared by more tracks than this says nothing (silence...)
MIN_SHARED = 2  # identical sub-fingerprints two tracks need before they are compared


def same_audio_pairs(prints: list[bytes], durations: np.ndarray,
                     max_seconds: float = 5.0) -> list[tuple[int, int]]:
    """Pairs ``(i, j)``, ``i < j``, of the same recording among many fingerprints.

    Comparing every pair is quadratic; instead, tracks are bucketed by their 32-bit
    sub-fingerprints (the same audio shares many identical ones, whatever the offset, while
    different songs almost never do), pairs sharing at least :data:`MIN_SHARED` are counted with
    numpy and only those are checked with :func:`same_audio` (and durations within
    ``max_seconds``). Linear in the number of tracks for real libraries.
    """
    words, owners = [], []
    for index, raw in enumerate(prints):
        if raw:
            unique = np.unique(np.frombuffer(raw, np.uint32))
            words.append(unique)
            owners.append(np.full(len(unique), index, np.int64))
    if len(words) < 2:
        return []
    w, t = np.concatenate(words), np.concatenate(owners)
    order = np.lexsort((t, w))
    w, t = w[order], t[order]
    starts = np.flatnonzero(np.r_[True, w[1:] != w[:-1]])
    sizes = np.diff(np.r_[starts, len(w)])
    keys = []
    for start, size in zip(starts[(sizes >= 2) & (sizes <= MAX_BUCKET)].tolist(),
                           sizes[(sizes >= 2) & (sizes <= MAX_BUCKET)].tolist(), strict=True):
        members = t[start:start + size]
        a, b = np.triu_indices(size, 1)
        keys.append(members[a] * len(prints) + members[b])
    if not keys:
        return []
    pairs, counts = np.unique(np.concatenate(keys), return_counts=True)
    found = []
    for key in pairs[counts >= MIN_SHARED].tolist():
        i, j = divmod(key, len(prints))
        if abs(float(durations[i]) - float(durations[j])) <= max_seconds and \
                same_audio(prints[i], prints[j]):
            found.append((i, j))
    return found
