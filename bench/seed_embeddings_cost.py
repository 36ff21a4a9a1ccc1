"""Benchmark: what the seeds' embeddings add to a track's analysis (log-mel patches, lyrics).

Decodes a demo clip as the scan does, then times (CPU time, median of ``--repeats``) the scan's
existing per-track work (features + music score + fingerprint) and, in the same run, what
``scan_extras.analyse_extras`` adds (4 log-mel patches with librosa, lyrics from tags or a
sidecar, VADER sentiment). A lyrics sidecar is written to a temp copy so sentiment is exercised.
Also prints the bytes stored per track and the encode time of the bundled VAE per track.

    python bench/seed_embeddings_cost.py [--repeats 7] [--quick]

``--quick`` (or ``SEGUE_BENCH_QUICK=1``): one repeat, a few seconds (``make test`` runs it).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine import paths  # noqa: E402
from engine.library.analysis.decode import decode  # noqa: E402
from engine.library.analysis.features import analyse_samples  # noqa: E402
from engine.library.analysis.fingerprint import fingerprint  # noqa: E402
from engine.library.analysis.track import analyse_extras  # noqa: E402

CLIP = "Karissa_Hobbs_-_Lets_Go_Fishin.ogg"
LYRICS = "\n".join(["I love the morning light on the water"] * 30)


def cpu(func, repeats: int) -> float:  # noqa: ANN001
    """Median CPU seconds of ``func()``."""
    times = []
    for _ in range(repeats):
        started = time.process_time()
        func()
        times.append(time.process_time() - started)
    return statistics.median(times)


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="one repeat, a few seconds")
    args = parser.parse_args()
    if args.quick or os.environ.get("SEGUE_BENCH_QUICK", "") not in ("", "0"):
        args.repeats = 1
    with tempfile.TemporaryDirectory() as tmp:
        clip = Path(tmp) / CLIP
        shutil.copyfile(paths.assets_dir() / "audio" / CLIP, clip)
        clip.with_suffix(".lrc").write_text(LYRICS, encoding="utf-8")
        decoded = decode(clip)
        samples, rate = decoded.samples, decoded.sample_rate
        analyse_extras(str(clip), samples, rate)  # warm-up: librosa's first call, VADER lexicon
        analyse_samples(samples, rate)
        base = cpu(lambda: (analyse_samples(samples, rate), fingerprint(samples, rate)),
                   args.repeats)
        extra = cpu(lambda: analyse_extras(str(clip), samples, rate), args.repeats)
        stored = len(analyse_extras(str(clip), samples, rate)["patches"])
        from engine.library.analysis.melpatches import mel_patches
        from engine.library.embeddings.spectro_store import current_model
        from engine.library.embeddings.spectro_vae import track_vectors

        model = current_model(prefer_library=False)[0]
        patches = mel_patches(samples, rate)
        encode = cpu(lambda: track_vectors(model, [patches] * 100), 3) / 100
    print(f"clip: {CLIP}, {decoded.duration:.0f} s ({len(samples) / rate:.0f} s analysed)")
    print(f"baseline (features + music score + fingerprint): {base * 1000:.1f} ms CPU")
    print(f"seed extras (4 log-mel patches + lyrics + sentiment): {extra * 1000:.1f} ms CPU "
          f"= {extra / base:.2f} x the baseline")
    print(f"stored per track: {stored} bytes of patches; VAE encode {encode * 1000:.2f} ms/track")


if __name__ == "__main__":
    main()
