"""Commentary benchmark: model load time and warm generation of 5 VAE | GAN paragraph pairs, one thread.

Run: ``python bench/commentary_speed.py [--threads 1] [--repeats 20] [--json]``. Targets: five
paragraph pairs (3-5 sentences each, VAE and GAN-refined, with the writer's default sampling and
its no-copy resampling) in under 1 s warm; the models load in under 1 s. Wall-clock
medians are the figures; CPU-time medians are printed too, since a shared machine stretches wall
time. Same-run baselines: the raw ``torch.load`` of the three files (load) and 5 VAE-only samples
(generation), so the ratios show what the model building and the GAN pass add. ``--quick`` (or
``SEGUE_BENCH_QUICK=1``): 2 repeats, a few seconds (``make test`` runs it so it never rots).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402

from engine.commentary import service  # noqa: E402
from engine.commentary.train import bundled_dir  # noqa: E402

GENERATE_TARGET_MS = 1000.0
LOAD_TARGET_S = 1.0
TAGS = ["rock", "energetic", "electric guitar"]


CPU_MS: dict[str, float] = {}


def _median_ms(func, repeats: int, name: str = "") -> float:  # noqa: ANN001
    """Median wall-clock ms of ``func``; its median CPU ms (process time) goes to CPU_MS[name]."""
    times, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        func()
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    CPU_MS[name] = statistics.median(cpu)
    return statistics.median(times)


def main() -> int:
    """Print load and generation figures against their same-run baselines and targets."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--models", type=Path, default=None)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--quick", action="store_true", help="2 repeats, a few seconds")
    args = parser.parse_args()
    if args.quick or os.environ.get("SEGUE_BENCH_QUICK", "") not in ("", "0"):
        args.repeats = min(args.repeats, 2)
    torch.set_num_threads(args.threads)
    folder = args.models or bundled_dir()
    files = sorted(folder.glob("*.pt"))
    raw_ms = _median_ms(lambda: [torch.load(f, weights_only=True) for f in files], 3)
    load_ms = _median_ms(lambda: service.Commentator(folder), 3, "load")
    com = service.Commentator(folder)
    com.sample(TAGS, 5, seed=0)  # warm up
    seeds = iter(range(1, 10_000))
    both_ms = _median_ms(lambda: com.sample(TAGS, 5, seed=next(seeds)), args.repeats, "pairs")
    z = torch.randn(5, com.latent)
    attrs = torch.from_numpy(com.vocab.attributes(TAGS)).expand(5, -1)
    vae_ms = _median_ms(lambda: com.decode(z, attrs, gan=False), args.repeats)
    sampled_ms = _median_ms(lambda: com.sample(TAGS, 5, temperature=0.8, seed=next(seeds)),
                            args.repeats)
    result = {
        "threads": args.threads, "model_bytes": sum(f.stat().st_size for f in files),
        "load_s": round(load_ms / 1000, 3), "load_target_s": LOAD_TARGET_S,
        "load_baseline_raw_torch_load_s": round(raw_ms / 1000, 3),
        "load_ratio_to_raw": round(load_ms / raw_ms, 2),
        "load_cpu_s": round(CPU_MS["load"] / 1000, 3),
        "five_pairs_ms": round(both_ms, 1), "five_pairs_cpu_ms": round(CPU_MS["pairs"], 1),
        "five_pairs_target_ms": GENERATE_TARGET_MS,
        "five_pairs_temperature_0_8_ms": round(sampled_ms, 1),
        "baseline_five_vae_only_ms": round(vae_ms, 1),
        "ratio_pairs_to_vae_only": round(both_ms / vae_ms, 2),
        "load_met": load_ms / 1000 < LOAD_TARGET_S, "generate_met": both_ms < GENERATE_TARGET_MS,
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for key, value in result.items():
            print(f"{key:<34} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
