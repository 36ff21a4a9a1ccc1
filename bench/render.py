"""Render benchmark: an 8-segment chain to an audio file, against its own playing time.

Composes an 8-segment chain with the bundled Nottingham model (4/4, seed 0), then times
``engine.playback.render.render_state`` (what File > Export audio… and ``segue render`` run: two
passes of the SoundFont synth, the peak then the normalised audio, and the encoder) to WAV, FLAC
and Ogg at 44.1 kHz on one thread. Figures are ratios against baselines measured in the same run:
the chain's playing time (render time / playing time; below 1 is faster than real time) and one
bare pass of the synth into memory (``engine.playback.synth.render_events``). Target (issue 22): the
8-segment chain to WAV in under 2 s on one core. Run: ``python bench/render.py [--runs 5]
[--json]``. ``--quick`` (or ``SEGUE_BENCH_QUICK=1``): one run of each (``make test`` runs it so the
script never rots; its figures mean little).
"""

from __future__ import annotations

import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"  # one core, before numpy or torch start their pools

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TARGET_S = 2.0
FORMATS = (".wav", ".flac", ".ogg")


def compose_chain(segments: int = 8):  # noqa: ANN201 - ChainState; the import is deferred
    """An ``segments``-segment chain from the bundled model (torch on one thread)."""
    import torch

    from engine.dshl import api, chain

    torch.set_num_threads(1)
    return chain.compose_state(api.ComposeRequest(segments=segments, seed=0))


def median_seconds(work, runs: int) -> float:  # noqa: ANN001 - a callable of no arguments
    """Median wall time of ``runs`` calls of ``work`` after one warm-up call."""
    work()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    """Compose, render, print the figures (the last line is JSON with ``--json``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed renders per format")
    parser.add_argument("--segments", type=int, default=8)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--quick", action="store_true", help="one run of each")
    args = parser.parse_args()
    if args.quick or os.environ.get("SEGUE_BENCH_QUICK", "") not in ("", "0"):
        args.runs = 1

    from engine.playback import render
    from engine.playback.synth import render_events

    state = compose_chain(args.segments)
    playing = state.total_beats * 60.0 / state.chain.request.tempo
    events = render.events_of_state(state)
    rate = render.DEFAULT_SAMPLE_RATE
    synth_s = median_seconds(lambda: render_events(events, rate, stereo=True), args.runs)
    result: dict = {"segments": args.segments, "tempo": state.chain.request.tempo,
                    "playing_s": round(playing, 2), "sample_rate": rate, "runs": args.runs,
                    "synth_pass_s": round(synth_s, 4)}
    with tempfile.TemporaryDirectory(prefix="segue-render-bench-") as folder:
        for suffix in FORMATS:
            out = Path(folder) / f"chain{suffix}"
            seconds = median_seconds(lambda out=out: render.render_state(state, out), args.runs)
            result[suffix[1:]] = {"render_s": round(seconds, 4),
                                  "ratio_to_playing": round(seconds / playing, 4),
                                  "ratio_to_synth_pass": round(seconds / synth_s, 2),
                                  "bytes": out.stat().st_size}
    result["wav_meets_target"] = result["wav"]["render_s"] < TARGET_S
    result["load_average"] = round(os.getloadavg()[0], 1) if hasattr(os, "getloadavg") else None
    print(f"render {args.segments}-segment chain ({playing:.1f} s of music at "
          f"{state.chain.request.tempo:g} BPM, {rate} Hz stereo), one thread, median of "
          f"{args.runs}; load average {result['load_average']}")
    print(f"  baseline: one synth pass into memory {synth_s:.3f} s "
          f"({synth_s / playing:.4f} of playing time)")
    for suffix in FORMATS:
        figures = result[suffix[1:]]
        print(f"  {suffix[1:].upper():<4} {figures['render_s']:.3f} s = "
              f"{figures['ratio_to_playing']:.4f} of playing time "
              f"({playing / figures['render_s']:.0f}x real time), "
              f"{figures['ratio_to_synth_pass']:.1f}x the synth pass, {figures['bytes']:,} bytes")
    print(f"  target: WAV in < {TARGET_S:g} s: {'met' if result['wav_meets_target'] else 'MISSED'}")
    if args.json:
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
