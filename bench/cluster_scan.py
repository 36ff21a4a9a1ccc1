"""Benchmark: a library scan on the local process pool vs on a Dask LocalCluster of the same cores.

Makes N four-minute 44.1 kHz stereo Ogg tracks (bench/library_scan.py's generator: four distinct
sources, hard-linked under N names), scans them once with the local pool (``--workers`` processes)
and once through ``--cluster`` on a LocalCluster of as many single-thread worker processes, in the
same run — in alternating rounds (A B B A), so a shared machine's changing load hits both alike
(each local round starts its pool, as each real scan does) — and prints the cluster's overhead as
ratios of wall time and of CPU time (target <= 1.10) and whether both stored identical features.
Then a measured model of N machines: per-file analysis time (CPU-s on one
core), and the per-result cost of the one local writer (commit of a result, and the scanning
process's CPU per file during the cluster run: Dask client + commit), which caps the speed-up.
The commit is measured by storing the run's results again (patches and lyrics rows included) in
the scan's own batches (``scanner.DEFAULT_BATCH``).

    python bench/cluster_scan.py [--tracks 1000] [--workers 2] [--quick]

``--quick`` (or ``SEGUE_BENCH_QUICK=1``): 8 twenty-second tracks, a few seconds (``make test``
runs it so the script never rots; its figures mean little).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from library_scan import (  # noqa: E402
    QUICK_SECONDS,
    SECONDS,
    SOURCES,
    MemorySampler,
    make_track,
    quick_mode,
)
from sqlalchemy import select  # noqa: E402

from engine import paths  # noqa: E402
from engine.library.scan.scanner import DEFAULT_BATCH, ScanResult, reconcile, scan_folder  # noqa: E402
from engine.library.scan.store import store_results  # noqa: E402
from engine.library.storage import models as m  # noqa: E402
from engine.library.storage.db import Library  # noqa: E402


class OwnMemory(MemorySampler):
    """Peak resident memory of this process alone (the scan's client and single writer)."""

    @staticmethod
    def _children(pid: int) -> list[int]:
        return []


MAIN_THREAD = {"cpu": 0.0}  # CPU seconds of the scanning thread itself in the cluster rounds


def timed_scan(db: Path, folder: Path, **kwargs: object) -> tuple[ScanResult, float, float, float]:
    """Scan; return the result, wall seconds, this process's CPU seconds and peak MB."""
    library = Library(db)
    cpu, started, own = time.process_time(), time.perf_counter(), time.thread_time()
    with OwnMemory() as sampler:
        result = scan_folder(library, folder, **kwargs)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    if "backend" in kwargs:
        MAIN_THREAD["cpu"] += time.thread_time() - own
    library.close()
    return result, seconds, cpu, sampler.peak_mb


class Totals:
    """Sums over the rounds of one way of scanning."""

    def __init__(self) -> None:
        self.analysed = self.skipped = 0
        self.seconds = self.cpu = self.peak = self.workers = 0.0

    def add(self, result: ScanResult, seconds: float, cpu: float, peak: float) -> None:
        """Add one round."""
        self.analysed += result.analysed
        self.skipped += len(result.skipped)
        self.seconds, self.cpu = self.seconds + seconds, self.cpu + cpu
        self.peak = max(self.peak, peak)


def children_seconds() -> float:
    """CPU seconds of this process's finished children (the local pool's workers)."""
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return kids.ru_utime + kids.ru_stime


def worker_seconds(client: object) -> float:
    """CPU seconds used so far by the Dask worker processes."""

    def cpu() -> float:
        import psutil

        times = psutil.Process().cpu_times()
        return times.user + times.system

    return sum(client.run(cpu).values())


def vectors(db: Path) -> dict[str, bytes]:
    """Each track's stored feature vector, by path."""
    with Library(db) as library, library.transaction() as session:
        query = select(m.Track.path, m.Feature.vector).join(m.Feature)
        return dict(session.execute(query).all())


def stored_items(db: Path) -> list[dict[str, object]]:
    """The analysis results a scan stored in ``db``, as ``analyse_one`` returned them."""
    with Library(db) as source, source.transaction() as session:
        items = []
        for t in session.scalars(select(m.Track).where(m.Track.status == m.ANALYSED)):
            feature, patches = session.get(m.Feature, t.id), session.get(m.TrackPatches, t.id)
            lyrics = session.get(m.TrackLyrics, t.id)
            item = {"path": t.path, "vector": feature.vector, "version": feature.version,
                    "duration": t.duration, "tempo": t.tempo, "music_score": t.music_score,
                    "fingerprint": t.fingerprint,
                    "tags": {"title": t.title, "artist": t.artist, "album": t.album,
                             "genre": t.genre}}
            if patches is not None:
                item.update(patches=patches.patches, patch_count=patches.count,
                            patch_version=patches.version)
            if lyrics is not None:
                item.update(lyrics=lyrics.text, lyrics_source=lyrics.source, sentiment=None)
            items.append(item)
    return items


def commit_seconds(db_from: Path, db_to: Path, folder: Path, batch: int = DEFAULT_BATCH) -> float:
    """Seconds per result for the single writer: store db_from's results (with their patches and
    lyrics rows) into a fresh library, in the scan's batches."""
    items = stored_items(db_from)
    library = Library(db_to)
    reconcile(library, folder, ScanResult())
    started = time.perf_counter()
    for start in range(0, len(items), batch):
        store_results(library, items[start : start + batch])
    seconds = time.perf_counter() - started
    library.close()
    return seconds / max(1, len(items))


def main() -> None:
    """Run both scans and print the figures and the model."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracks", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2, help="alternating local/cluster rounds")
    parser.add_argument("--quick", action="store_true", help="8 short tracks, a few seconds")
    args = parser.parse_args()
    length, idle_seconds = SECONDS, 5.0
    if quick_mode(args.quick):
        args.tracks, length, idle_seconds = min(args.tracks, 8), QUICK_SECONDS, 1.0
    from distributed import LocalCluster

    from engine.library.scan.cluster import ClusterAnalysis

    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        originals = []
        for i, name in enumerate(SOURCES):
            originals.append(tmp_path / f"source {i}.ogg")
            make_track(paths.assets_dir() / "audio" / name, originals[-1], length)
        folder = tmp_path / "library"
        for i in range(args.tracks):  # one sub-folder per round
            sub = folder / f"round {i % args.rounds}"
            sub.mkdir(parents=True, exist_ok=True)
            os.link(originals[i % len(originals)], sub / f"track {i:05d}.ogg")
        size_mb = sum(p.stat().st_size for p in originals) / len(originals) / 1024**2

        started = time.perf_counter()
        cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=40)
        startup = time.perf_counter() - started
        local, remote = Totals(), Totals()
        with ClusterAnalysis(cluster.scheduler_address) as backend:
            idle_cpu = time.process_time()
            time.sleep(idle_seconds)  # the client's and in-process scheduler's background work
            idle = (time.process_time() - idle_cpu) / idle_seconds
            for r in range(args.rounds):  # A B B A ...: the machine's load hits both alike
                sub = folder / f"round {r}"
                runs = [(local, "local.sqlite", {"workers": args.workers}),
                        (remote, "cluster.sqlite", {"backend": backend})]
                for totals, db, kwargs in runs if r % 2 == 0 else runs[::-1]:
                    workers_cpu = worker_seconds(backend.client) if totals is remote else 0.0
                    kids = children_seconds()
                    result, seconds, cpu, peak = timed_scan(tmp_path / db, sub, **kwargs)
                    totals.add(result, seconds, cpu, peak)
                    if totals is remote:
                        totals.workers += worker_seconds(backend.client) - workers_cpu
                    else:
                        totals.workers += children_seconds() - kids
        cluster.close()
        same = vectors(tmp_path / "local.sqlite") == vectors(tmp_path / "cluster.sqlite")
        commit = commit_seconds(tmp_path / "cluster.sqlite", tmp_path / "commit.sqlite", folder)
    local_s, local_cpu, local_mb = local.seconds, local.cpu, local.peak
    remote_s, remote_cpu, remote_mb = remote.seconds, remote.cpu, remote.peak
    skipped = remote.skipped

    n = max(1, local.analysed)
    print(f"{n} {length}-second ogg tracks (44.1 kHz stereo, {size_mb:.1f} MB each), {args.workers} "
          f"cores; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"local pool   : {local_s:7.1f} s = {local_s / n:.3f} s per track; scanning process "
          f"CPU {local_cpu / n * 1000:.1f} ms per track; its peak memory {local_mb:.0f} MB")
    print(f"LocalCluster : {remote_s:7.1f} s = {remote_s / n:.3f} s per track; scanning process "
          f"CPU {remote_cpu / n * 1000:.1f} ms per track; its peak memory {remote_mb:.0f} MB "
          f"(+ {startup:.1f} s cluster start-up, not counted); "
          f"{remote.analysed} analysed, {skipped} skipped")
    print(f"overhead: cluster / local = {remote_s / local_s:.3f} wall (target <= 1.10; "
          f"{args.rounds} alternating rounds); CPU of scan + workers: local "
          f"{(local_cpu + local.workers) / n:.3f} s, cluster {(remote_cpu + remote.workers) / n:.3f}"
          f" s per track = {(remote_cpu + remote.workers) / (local_cpu + local.workers):.3f}; "
          f"identical feature vectors: {same}")

    analysis = (local_cpu + local.workers) / n  # CPU-s of one core per file (load-independent)
    # The one local process per file: Dask client (+ the LocalCluster's scheduler, which runs in
    # it here) + commit, less the background load it has with nothing to do.
    writer = max(commit, (remote_cpu - idle * remote_s) / n)
    print(f"model: analysis {analysis:.3f} core-s per track; single writer {writer * 1000:.1f} "
          f"ms CPU per track (client + in-process scheduler + commit; commit alone "
          f"{commit * 1000:.2f} ms; idle background {idle * 1000:.1f} ms per s not counted)")
    print(f"  (of which the scanning thread itself — reconcile, client calls, commit: "
          f"{MAIN_THREAD['cpu'] / max(1, remote.analysed) * 1000:.2f} ms per track; the rest is "
          "the Dask client's and the in-process scheduler's threads)")
    ceiling = 1 / writer
    print(f"  the writer saturates at {ceiling:.0f} tracks/s = {ceiling * analysis:.0f} "
          f"analysis cores (= {ceiling * analysis / args.workers:.0f} machines of {args.workers} "
          "cores)")
    for machines in (1, 2, 4, 8, 16, 32, 64, 128):
        rate = min(machines * args.workers / analysis, ceiling)
        print(f"  {machines:4d} machines x {args.workers} cores: {rate:7.1f} tracks/s, speed-up "
              f"{rate * analysis / args.workers:6.1f}x, 200,000 tracks in "
              f"{200_000 / rate / 60:6.1f} min")


if __name__ == "__main__":
    main()
