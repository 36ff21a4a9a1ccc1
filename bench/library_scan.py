"""Benchmark: scan and analyse 4-minute tracks with 2 worker processes; peak memory of the scan.

Makes four distinct 4-minute, 44.1 kHz stereo Ogg Vorbis tracks from the demo clips, links them
under ``--files`` names (hard links: no extra disk), scans the folder into a fresh library with
the process pool and prints the wall time per track next to bliss-rs's published figure (10k
files in about 56 minutes, about 0.34 s per track; target: at least 2x faster), the CPU time per
track with the music tagger's share (measured inside the analysis; target with the tagger:
≤ 0.4 CPU-s per track) and the peak resident memory of the scan (target for 1,000 files: under
1 GB). ``--no-tagger`` scans without it (``SEGUE_TAGGER=off``), for the difference.

    python bench/library_scan.py [--files 1000] [--workers 2] [--format ogg|flac] [--quick]

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

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine import paths  # noqa: E402
from engine.library.scan.scanner import scan_folder  # noqa: E402
from engine.library.storage.db import Library  # noqa: E402

BLISS_SECONDS_PER_TRACK = 56 * 60 / 10_000
RATE = 44100
SECONDS = 240
QUICK_SECONDS = 20  # track length in quick mode
SOURCES = ("Kevin_MacLeod_-_Vibe_Ace.ogg", "Karissa_Hobbs_-_Lets_Go_Fishin.ogg",
           "Kevin_MacLeod_-_P_I_Tchaikovsky_Dance_of_the_Sugar_Plum_Fairy.ogg",
           "Hungarian_Dance_number_5_-_Allegro_in_F_sharp_minor_(string_orchestra).ogg")


def quick_mode(flag: bool = False) -> bool:
    """Whether a bench runs in quick mode: its ``--quick`` flag or ``SEGUE_BENCH_QUICK=1``."""
    return flag or os.environ.get("SEGUE_BENCH_QUICK", "") not in ("", "0")


def make_track(source: Path, target: Path, seconds: int = SECONDS) -> None:
    """Loop ``source`` to a ``seconds``-long (4-minute) 44.1 kHz stereo file (written in blocks)."""
    import soundfile as sf
    import soxr

    mono, rate = sf.read(str(source), dtype="float32")
    mono = soxr.resample(mono, rate, RATE).astype(np.float32)
    total = seconds * RATE
    looped = np.tile(mono, int(np.ceil(total / len(mono))))[:total]
    stereo = np.stack([looped, np.roll(looped, 441) * 0.9], axis=1)
    with sf.SoundFile(str(target), "w", RATE, 2) as handle:
        for start in range(0, total, RATE * 5):
            handle.write(stereo[start : start + RATE * 5])


class MemorySampler:
    """Samples the resident memory of this process and its children (Linux /proc) in a thread."""

    def __init__(self, interval: float = 0.1) -> None:
        import threading

        self.interval = interval
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def _rss_mb(pid: int) -> float:
        try:
            with open(f"/proc/{pid}/status", encoding="ascii") as handle:
                for line in handle:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1]) / 1024
        except OSError:
            pass
        return 0.0

    @staticmethod
    def _children(pid: int) -> list[int]:
        try:
            with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as handle:
                kids = [int(p) for p in handle.read().split()]
        except OSError:
            return []
        return kids + [g for k in kids for g in MemorySampler._children(k)]

    def _run(self) -> None:
        me = os.getpid()
        while not self._stop.is_set():
            total = sum(self._rss_mb(p) for p in [me, *self._children(me)])
            self.peak_mb = max(self.peak_mb, total)
            self._stop.wait(self.interval)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def cpu_seconds() -> float:
    """CPU time (user + system) used so far by this process and its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--format", choices=("ogg", "flac"), default="ogg")
    parser.add_argument("--quick", action="store_true", help="8 short tracks, a few seconds")
    parser.add_argument("--no-tagger", action="store_true", help="scan without the tagger")
    args = parser.parse_args()
    if args.no_tagger:
        os.environ["SEGUE_TAGGER"] = "off"  # inherited by the spawned analysis processes
    length = SECONDS
    if quick_mode(args.quick):
        args.files, length = min(args.files, 8), QUICK_SECONDS
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        originals = []
        for i, name in enumerate(SOURCES):
            target = tmp_path / f"source {i}.{args.format}"
            make_track(paths.assets_dir() / "audio" / name, target, length)
            originals.append(target)
        folder = tmp_path / "library"
        folder.mkdir()
        for i in range(args.files):
            os.link(originals[i % len(originals)], folder / f"track {i:05d}.{args.format}")
        library = Library(tmp_path / "bench.sqlite")
        import gc

        gc.collect()
        before = MemorySampler._rss_mb(os.getpid())
        cpu_before = cpu_seconds()
        started = time.perf_counter()
        with MemorySampler() as sampler:
            result = scan_folder(library, folder, workers=args.workers)
        seconds = time.perf_counter() - started
        cpu = cpu_seconds() - cpu_before
        library.close()
    per_track = seconds / max(1, result.analysed)
    print(f"scan: {result.analysed} {length}-second {args.format} tracks "
          f"(44.1 kHz stereo), {args.workers} workers, {len(result.skipped)} skipped")
    print(f"wall time {seconds:.1f} s = {per_track:.3f} s per track; bliss-rs published "
          f"{BLISS_SECONDS_PER_TRACK:.2f} s per track -> {BLISS_SECONDS_PER_TRACK / per_track:.1f}x "
          "faster (target >= 2x)")
    cpu_per_track = cpu / max(1, result.analysed)
    ideal = cpu_per_track / args.workers
    load = os.getloadavg()[0]
    print(f"CPU time {cpu:.1f} s = {cpu_per_track:.3f} CPU-s per track -> {ideal:.3f} s per "
          f"track on {args.workers} free cores ({BLISS_SECONDS_PER_TRACK / ideal:.1f}x bliss-rs); "
          f"load average during the run {load:.1f} on {os.cpu_count()} CPUs")
    tagger = result.tagger_cpu / max(1, result.analysed)
    print(f"of which the music tagger: {tagger:.3f} CPU-s per track "
          f"({100 * tagger / max(cpu_per_track, 1e-9):.0f} %); "
          f"{'tagger off' if args.no_tagger else 'tagger on'}; target <= 0.4 CPU-s per track "
          f"with it: {'met' if cpu_per_track <= 0.4 else 'missed'}")
    print(f"peak memory of the scan (main process + {args.workers} workers, resident, sampled "
          f"every 0.1 s): {sampler.peak_mb:.0f} MB; main process before the scan {before:.0f} MB "
          "(target < 1024 MB)")


if __name__ == "__main__":
    main()
