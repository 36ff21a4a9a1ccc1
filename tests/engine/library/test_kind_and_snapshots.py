"""The kind detector's fit and file, same-audio pairs at scale, the numpy k-means, vector snapshots
and what a query says when vectors are missing."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from engine.library.analysis import kind
from engine.library.analysis.fingerprint import same_audio_pairs
from engine.library.embeddings import snapshot
from engine.library.embeddings.choices import in_use
from engine.library.embeddings.options import kmeans_labels
from engine.library.playlists.build import PlaylistRules
from engine.library.service import make_playlist, scan
from engine.library.storage.reader import Reader

from .conftest import CLIPS


def test_the_detector_learns_three_kinds_and_round_trips_through_json(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    n_tags = 5
    rows, labels = [], []
    for label, centre in enumerate((0.0, 3.0, -3.0)):
        for _ in range(30):
            features = rng.normal(centre, 1.0, 112)
            probs = 1 / (1 + np.exp(-rng.normal(centre, 1.0, n_tags)))
            rows.append(kind.evidence(features, 0.3, probs, n_tags))
            labels.append(label)
    model = kind.fit(np.asarray(rows), np.asarray(labels), l2=1.0)
    model.tag_model, model.n_tags = "m", n_tags
    predicted = np.argmax(model.probabilities(np.asarray(rows)), axis=1)
    assert np.mean(predicted == np.asarray(labels)) > 0.95
    again = kind.KindModel.from_json(model.to_json())
    assert np.allclose(again.probabilities(np.asarray(rows)), model.probabilities(np.asarray(rows)))
    untagged = kind.evidence(rng.normal(0.0, 1.0, 112), 0.3, None, n_tags)
    assert untagged[kind.N_CUES + 1] == 0.0 and model.classify(untagged)[0] in kind.KINDS
    with pytest.raises(ValueError):
        kind.KindModel.from_json('{"format": 99}')


def test_same_audio_pairs_are_found_without_comparing_every_pair() -> None:
    rng = np.random.default_rng(1)
    prints = [rng.integers(0, 2**32, 64, dtype=np.uint64).astype(np.uint32) for _ in range(2000)]
    noisy = prints[7].copy()
    flips = rng.integers(0, 32, 64)
    noisy[::3] ^= (1 << flips[::3]).astype(np.uint32)  # a re-encode: a few bits differ
    raw = [p.tobytes() for p in prints] + [np.roll(noisy, 2).tobytes(), b""]
    durations = np.full(len(raw), 200.0)
    assert same_audio_pairs(raw, durations) == [(7, 2000)]
    durations[2000] = 260.0  # the same fingerprint, another length: not the same recording
    assert same_audio_pairs(raw, durations) == []


def test_numpy_kmeans_finds_separated_blobs() -> None:
    rng = np.random.default_rng(2)
    blobs = np.vstack([rng.normal(c, 0.2, (50, 3)) for c in (0.0, 5.0, 10.0)])
    labels = kmeans_labels(blobs, k=3)
    assert sorted(np.bincount(labels).tolist()) == [50, 50, 50]
    assert len({tuple(labels[i * 50:(i + 1) * 50]) for i in range(3)}) == 3
    assert kmeans_labels(blobs[:1]).tolist() == [0]


def test_snapshots_follow_the_library_and_missing_vectors_are_said(
        segue_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEGUE_TAGGER", "off")
    folder = tmp_path / "mine"
    folder.mkdir()
    for name in ("trumpet.ogg", "vibeace.ogg", "speech.flac"):
        shutil.copyfile(CLIPS / name, folder / name)
    scan(folder, workers=1)
    db = segue_home / "library.sqlite"
    with Reader(db) as reader:
        stamp = snapshot.stamp(reader, "features")
        stored = reader.execute("SELECT stamp FROM vector_snapshots").fetchall()
        assert stored == [(snapshot.stamp(reader, in_use()),)]  # the option in use, current
        ids, vectors, missing = snapshot.load(reader, "features")
        assert len(ids) == 3 and vectors.shape == (3, 12) and missing == 0
    with sqlite3.connect(db) as raw:  # a track analysed after the last refresh: no vector yet
        raw.execute("DELETE FROM embeddings WHERE track_id = (SELECT min(track_id) FROM "
                    "embeddings)")
    with Reader(db) as reader:
        assert snapshot.stamp(reader, "features") != stamp
        ids, _, missing = snapshot.load(reader, "features")
        assert len(ids) == 2 and missing == 1
    result = make_playlist(["trumpet.ogg"], PlaylistRules(embedding="features",
                                                          include_non_music=True))
    assert result.notes and "1 analysed tracks have no features vector" in result.notes[0]
