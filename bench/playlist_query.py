"""Benchmark: playlist queries on a 100k-track library (synthetic rows in a real SQLite file).

Writes 100,000 analysed tracks with tags and clustered vectors for every embedding option a
scan stores (features 12-d, spectrogram 16-d, tagger 200-d) into a temporary ``SEGUE_HOME``,
stores the vector snapshots as a scan does, then measures:

* **cold CLI** — ``segue playlist --seed PATH`` (and ``--seed "ARTIST - TITLE"``) and ``segue
  library list`` as fresh processes, wall time
  (median of ``--runs``), beside ``segue --version`` in the same run: the ratio is the figure
  (target: ≤ 0.5 s wall at 100k tracks);
* **warm queries** — ``build_playlist`` in one process (10 tracks, no repeat of artist within
  3, duplicate songs removed, max tempo jump 15 BPM) from random seeds (target < 50 ms), and
  the index's recall@10 against exact search.

    python bench/playlist_query.py [--tracks 100000] [--queries 200] [--runs 5] [--quick]

``--quick`` (or ``SEGUE_BENCH_QUICK=1``): 5,000 tracks, 20 queries and 2 cold runs, a few
seconds (``make test`` runs it so the script never rots; below 50k tracks the index is exact).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine.library.embeddings.choices import DEFAULT  # noqa: E402
from engine.library.embeddings.snapshot import snapshot  # noqa: E402
from engine.library.playlists.build import PlaylistRules, build_playlist  # noqa: E402
from engine.library.playlists.catalogue import load_catalogue  # noqa: E402
from engine.library.playlists.index import NeighbourIndex  # noqa: E402
from engine.library.storage import models as m  # noqa: E402
from engine.library.storage.db import Library  # noqa: E402

DIMS = {"embeddings": 12, "spectrogram_embeddings": 16, "track_tags": 200}


def fill(library: Library, tracks: int, seed: int = 0) -> None:
    """Insert ``tracks`` synthetic analysed music tracks with vectors for every option."""
    rng = np.random.default_rng(seed)
    artists = rng.integers(0, max(1, tracks // 10), tracks)
    clusters = rng.integers(0, 200, tracks)
    rows = [{"id": i + 1, "path": f"/music/artist {artists[i]}/track {i}.flac", "size": 1,
             "mtime": 0.0, "content_hash": "", "status": m.ANALYSED, "skip_reason": "",
             "duration": float(120 + i % 240), "title": f"Song {i % 50000}",
             "artist": f"Artist {artists[i]}", "album": f"Album {artists[i]}-{i % 3}",
             "genre": f"g{i % 12}", "tempo": float(80 + i % 80), "kind": "music",
             "added_at": 0.0, "updated_at": 0.0} for i in range(tracks)]
    with library.transaction() as session:
        session.execute(m.Track.__table__.insert(), rows)
        for table, dim in DIMS.items():
            rank = min(dim, 24)  # the tagger's real 200-d layer: most variance in a few dims
            basis = np.linalg.qr(rng.normal(0, 1, (dim, rank)))[0].T
            centres = rng.normal(0, 1, (200, rank))
            vectors = (centres[clusters] + rng.normal(0, 0.35, (tracks, rank))) @ basis
            vectors = np.tanh(vectors + rng.normal(0, 0.02, (tracks, dim))).astype(np.float32)
            if table == "track_tags":
                session.execute(m.TrackTags.__table__.insert(), [
                    {"track_id": i + 1, "model": "bench", "version": 1, "embedding":
                     vectors[i].tobytes(), "probabilities": None, "top": ""}
                    for i in range(tracks)])
            else:
                session.execute(m.Base.metadata.tables[table].insert(), [
                    {"track_id": i + 1, "model": "bench", "vector": vectors[i].tobytes()}
                    for i in range(tracks)])


def cold(args: list[str], home: Path, runs: int) -> float:
    """Median wall seconds of ``segue ARGS`` as a fresh process (after one untimed run, so that
    Python's byte-code cache exists, as in an installed Segue: kept under ``home``)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(SEGUE_HOME=str(home), PYTHONPYCACHEPREFIX=str(home / "pycache"))
    times = []
    for _ in range(runs + 1):
        started = time.perf_counter()
        out = subprocess.run([sys.executable, "-m", "engine.cli", *args], env=env, cwd=ROOT,
                             capture_output=True, text=True, timeout=600)
        times.append(time.perf_counter() - started)
        if out.returncode != 0:
            raise SystemExit(f"segue {' '.join(args)} failed: {out.stderr.strip()[-400:]}")
    return statistics.median(times[1:])


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracks", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5, help="cold CLI runs (median)")
    parser.add_argument("--quick", action="store_true", help="5,000 tracks, a few seconds")
    args = parser.parse_args()
    if args.quick or os.environ.get("SEGUE_BENCH_QUICK", "") not in ("", "0"):
        args.tracks, args.queries, args.runs = min(args.tracks, 5000), min(args.queries, 20), 2
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        library = Library(home / "library.sqlite")
        started = time.perf_counter()
        fill(library, args.tracks)
        fill_s = time.perf_counter() - started
        started = time.perf_counter()
        snapshot(library.path)
        snap_s = time.perf_counter() - started
        with library.transaction() as session:
            seed = session.get(m.Track, args.tracks // 2)
            seed_path, seed_name = seed.path, f"{seed.artist} - {seed.title}"
        library.close()
        version_s = cold(["--version"], home, args.runs)
        path_s = cold(["playlist", "--seed", seed_path, "--length", "10", "--no-repeat-artist",
                       "3"], home, args.runs)
        title_s = cold(["playlist", "--seed", seed_name, "--length", "10"], home, args.runs)
        list_s = cold(["library", "list", "--json"], home, max(1, args.runs // 2))
        started = time.perf_counter()
        catalogue = load_catalogue(home / "library.sqlite", use_cache=False, embedding=DEFAULT)
        load_s = time.perf_counter() - started
        rules = PlaylistRules(length=10, no_repeat_artist=3, dedupe_songs=True,
                              max_tempo_jump=15)
        rng = np.random.default_rng(1)
        seeds = rng.integers(1, args.tracks + 1, args.queries)
        started = time.perf_counter()
        build_playlist(catalogue, [int(seeds[0])], rules)  # the first query: exact
        first_s = time.perf_counter() - started
        started = time.perf_counter()
        build_playlist(catalogue, [int(seeds[0])], rules)  # the second builds the ANN index
        second_s = time.perf_counter() - started
        times = []
        for seed in seeds:
            started = time.perf_counter()
            items = build_playlist(catalogue, [int(seed)], rules)
            times.append((time.perf_counter() - started) * 1000)
            assert len(items) == 10
        from engine.library.embeddings.options import vectors_for

        full_ids, full = vectors_for(DEFAULT, home / "library.sqlite")
        assert np.array_equal(full_ids, catalogue.ids)
        full_index = NeighbourIndex(full, ann=False)
        reduced_index = NeighbourIndex(catalogue.vectors, ann=False)
        kept = []  # the snapshot's principal components against the full vectors
        for seed in seeds[:50]:
            row = catalogue.row_for(int(seed))
            truth = set(full_index.query(full[row], 11)[0].tolist()) - {row}
            found = set(reduced_index.query(catalogue.vectors[row], 11)[0].tolist()) - {row}
            kept.append(len(truth & found) / 10)
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
    load = os.getloadavg()[0]
    print(f"library: {args.tracks} tracks; embedding '{DEFAULT}' "
          f"{catalogue.vectors.shape[1]}-d; write rows {fill_s:.1f} s; vector snapshots (as a "
          f"scan stores them) {snap_s:.2f} s; load average {load:.1f} on {os.cpu_count()} CPUs")
    print(f"snapshot: {full.shape[1]}-d vectors stored as {catalogue.vectors.shape[1]} "
          f"principal components; recall@10 of the neighbours vs the full vectors: "
          f"{np.mean(kept):.3f}")
    print(f"cold CLI, wall, median of {args.runs}: segue --version {version_s:.3f} s; "
          f"segue playlist --seed PATH {path_s:.3f} s = {path_s / version_s:.2f}x --version "
          f"(target <= 0.5 s); --seed \"ARTIST - TITLE\" {title_s:.3f} s = "
          f"{title_s / version_s:.2f}x; segue library list --json {list_s:.3f} s")
    print(f"warm, in one process: load catalogue {load_s:.2f} s; first query (exact) "
          f"{first_s * 1000:.0f} ms; second (builds the ANN index: "
          f"{'yes' if catalogue.index.ann else 'no, under 50k tracks'}) {second_s * 1000:.0f} ms")
    print(f"playlist query (10 tracks, rules on): median {np.median(times_arr):.1f} ms, "
          f"p95 {np.percentile(times_arr, 95):.1f} ms, max {times_arr.max():.1f} ms "
          f"over {len(times)} queries (targets: < 50 ms; p95 < 10 ms at 1M tracks)")
    print(f"index: {'faiss IVF-Flat (ANN)' if catalogue.index._faiss is not None else 'exact'};"
          f" recall@10 vs exact: {np.mean(recall):.3f}; exact k-NN alone: median "
          f"{np.median(exact_ms):.1f} ms")


if __name__ == "__main__":
    main()
