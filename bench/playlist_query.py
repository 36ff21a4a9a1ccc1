"""Benchmark: playlist queries on a 100k-track library (synthetic rows in a real SQLite file).

Writes 100,000 tracks with tags and 12-dimensional clustered embeddings into a temporary
library, loads the catalogue (which builds the IVF index above 50k tracks), then times
``build_playlist`` (10 tracks, no repeat of artist within 3, duplicate songs removed, max tempo
jump 15 BPM) from random seeds, and reports the index's recall@10 against exact search.
Target: under 50 ms per query.

    python bench/playlist_query.py [--tracks 100000] [--queries 200] [--quick]

``--quick`` (or ``SEGUE_BENCH_QUICK=1``): 5,000 tracks and 20 queries, a few seconds (``make
test`` runs it so the script never rots; below 50k tracks the index is exact).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.library import models as m  # noqa: E402
from engine.library.catalogue import load_catalogue  # noqa: E402
from engine.library.db import Library  # noqa: E402
from engine.library.index import NeighbourIndex  # noqa: E402
from engine.library.playlists import PlaylistRules, build_playlist  # noqa: E402


def fill(library: Library, tracks: int, dim: int = 12, seed: int = 0) -> None:
    """Insert ``tracks`` synthetic analysed tracks with embeddings."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 1, (200, dim))
    vectors = np.tanh(centres[rng.integers(0, 200, tracks)] + rng.normal(0, 0.35, (tracks, dim)))
    vectors = vectors.astype(np.float32)
    artists = rng.integers(0, tracks // 10, tracks)
    rows, embeddings = [], []
    for i in range(tracks):
        rows.append({"id": i + 1, "path": f"/music/artist {artists[i]}/track {i}.flac",
                     "size": 1, "mtime": 0.0, "content_hash": "", "status": m.ANALYSED,
                     "skip_reason": "", "duration": float(120 + i % 240),
                     "title": f"Song {i % 50000}", "artist": f"Artist {artists[i]}",
                     "album": f"Album {artists[i]}-{i % 3}", "genre": f"g{i % 12}",
                     "tempo": float(80 + i % 80), "added_at": 0.0, "updated_at": 0.0})
        embeddings.append({"track_id": i + 1, "model": "bench", "vector": vectors[i].tobytes()})
    with library.transaction() as session:
        session.execute(m.Track.__table__.insert(), rows)
        session.execute(m.Embedding.__table__.insert(), embeddings)


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracks", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--quick", action="store_true", help="5,000 tracks, a few seconds")
    args = parser.parse_args()
    if args.quick or os.environ.get("SEGUE_BENCH_QUICK", "") not in ("", "0"):
        args.tracks, args.queries = min(args.tracks, 5000), min(args.queries, 20)
    with tempfile.TemporaryDirectory() as tmp:
        library = Library(Path(tmp) / "bench.sqlite")
        started = time.perf_counter()
        fill(library, args.tracks)
        fill_s = time.perf_counter() - started
        started = time.perf_counter()
        catalogue = load_catalogue(library, use_cache=False)
        load_s = time.perf_counter() - started
        library.close()
    rules = PlaylistRules(length=10, no_repeat_artist=3, dedupe_songs=True, max_tempo_jump=15)
    rng = np.random.default_rng(1)
    seeds = rng.integers(1, args.tracks + 1, args.queries)
    build_playlist(catalogue, [int(seeds[0])], rules)  # warm-up
    times = []
    for seed in seeds:
        started = time.perf_counter()
        items = build_playlist(catalogue, [int(seed)], rules)
        times.append((time.perf_counter() - started) * 1000)
        assert len(items) == 10
    exact = NeighbourIndex(catalogue.vectors, ann=False)
    recall, exact_ms = [], []
    for seed in seeds[:50]:
        row = catalogue.row_of[int(seed)]
        started = time.perf_counter()
        truth = set(exact.query(catalogue.vectors[row], 10)[0].tolist())
        exact_ms.append((time.perf_counter() - started) * 1000)
        found = set(catalogue.index.query(catalogue.vectors[row], 10)[0].tolist())
        recall.append(len(truth & found) / 10)
    times_arr = np.asarray(times)
    print(f"library: {args.tracks} tracks, {catalogue.vectors.shape[1]}-d embeddings, "
          f"index: {'faiss IVF-Flat (ANN)' if catalogue.index.ann else 'exact'}")
    print(f"write rows: {fill_s:.1f} s; load catalogue + build index: {load_s:.1f} s")
    print(f"playlist query (10 tracks, rules on): median {np.median(times_arr):.1f} ms, "
          f"p95 {np.percentile(times_arr, 95):.1f} ms, max {times_arr.max():.1f} ms "
          f"over {len(times)} queries (targets: < 50 ms; p95 < 10 ms at 1M tracks)")
    print(f"ANN recall@10 vs exact: {np.mean(recall):.3f}; exact k-NN alone: "
          f"median {np.median(exact_ms):.1f} ms")


if __name__ == "__main__":
    main()
