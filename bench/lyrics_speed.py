"""Lyrics benchmark: constrained-duet time, generation speed (chars/s) and training throughput.

Run: ``python bench/lyrics_speed.py [--threads 1] [--json]``. The constrained duet is an 8-line
duet of the first two bundled artists with a rhyme scheme (AABB, ABAB, ABCB in turn), common metre
and real words only, timed warm (the pronouncing dictionary and models already loaded), median of
several seeds, next to the same run's plain (unconstrained) 8-line duet as the baseline ratio.
The first constrained duet is timed too (cold: it builds the two writers' n-gram and word models
for the predictor, :mod:`engine.lyrics.mixture`). Generation writes whole plain duets and counts
the characters written; training times truncated-BPTT steps of the default model size on the
bundled texts. Targets: an 8-line constrained duet in under 2 s on one thread; generation at least
1,000 chars/s. ``--quick`` (or ``SEGUE_BENCH_QUICK=1``): one seed, 1 s of generation, 3 training
steps (``make test`` runs it so the script never rots; its figures mean little).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402

from engine.lyrics import artists  # noqa: E402
from engine.lyrics.duet import DuetSpec, write_duet  # noqa: E402
from engine.lyrics.model import CharLSTM, CharLSTMConfig  # noqa: E402
from engine.lyrics.vocab import shared_vocabulary  # noqa: E402

GENERATION_TARGET = 1000.0
DUET_TARGET_S = 2.0


def _pair() -> tuple:
    installed = [a for a in artists.list_artists() if a.bundled]
    if len(installed) < 2:
        raise SystemExit("need two bundled artists: run 'segue lyrics train-bundled'")
    return artists.load(installed[0]), artists.load(installed[1])


def constrained_duet_time(rounds: int = 9) -> dict:
    """Median seconds of a warm 8-line constrained duet, and of a plain one in the same run."""
    import statistics

    pair = _pair()
    start = time.perf_counter()  # cold: dictionary, rhyme index, the writers' n-gram and word models
    write_duet(pair, DuetSpec(lines=8, seed=0, rhyme="AABB", metre="common", real_words=True))
    cold = time.perf_counter() - start
    constrained, plain = [], []
    schemes = ("AABB", "ABAB", "ABCB")
    for seed in range(1, rounds + 1):
        spec = DuetSpec(lines=8, seed=seed, rhyme=schemes[seed % 3], metre="common", real_words=True)
        start = time.perf_counter()
        write_duet(pair, spec)
        constrained.append(time.perf_counter() - start)
        start = time.perf_counter()
        write_duet(pair, DuetSpec(lines=8, seed=seed))
        plain.append(time.perf_counter() - start)
    median, base = statistics.median(constrained), statistics.median(plain)
    return {"artists": [a.name for a in pair], "rounds": rounds, "median_s": round(median, 3),
            "max_s": round(max(constrained), 3), "plain_median_s": round(base, 3),
            "ratio_to_plain": round(median / base, 1), "candidates_per_line": DuetSpec().candidates,
            "cold_s": round(cold, 2)}


def generation_speed(seconds: float = 10.0) -> dict:
    """Write duets with the first two bundled artists for about ``seconds``; return chars/s."""
    pair = _pair()
    chars = lines = 0
    seed = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        seed += 1
        duet = write_duet(pair, DuetSpec(lines=8, seed=seed))
        lines += len(duet)
        chars += sum(len(line.text) + 1 for line in duet)
    elapsed = time.perf_counter() - start
    return {"artists": [a.name for a in pair], "chars": chars, "lines": lines,
            "seconds": round(elapsed, 2), "chars_per_s": round(chars / elapsed, 1),
            "lines_per_s": round(lines / elapsed, 2)}


def training_speed(steps: int = 20, batch: int = 64, seq_len: int = 128) -> dict:
    """Time ``steps`` training steps of the default model on bundled text; return chars/s."""
    vocab = shared_vocabulary()
    text = (artists.bundled_texts_dir() / "robert_burns.txt").read_text(encoding="utf-8")
    ids = torch.tensor(vocab.encode(text), dtype=torch.long)
    model = CharLSTM(CharLSTMConfig(vocab_size=len(vocab)))
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
    need = batch * seq_len + 1
    start = None
    for step in range(steps + 2):
        if step == 2:
            start = time.perf_counter()
        pos = (step * need) % (len(ids) - need)
        chunk = ids[pos : pos + need]
        x, y = chunk[:-1].view(batch, seq_len), chunk[1:].view(batch, seq_len)
        _, loss, _ = model(x, y)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
    elapsed = time.perf_counter() - start
    return {"steps": steps, "batch": batch, "seq_len": seq_len,
            "chars_per_s": round(steps * batch * seq_len / elapsed, 1),
            "parameters": model.num_parameters()}


def main() -> int:
    """Print generation and training figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--quick", action="store_true", help="one seed, a few seconds")
    args = parser.parse_args()
    quick = args.quick or os.environ.get("SEGUE_BENCH_QUICK", "") not in ("", "0")
    torch.set_num_threads(args.threads)
    duet = constrained_duet_time(1 if quick else 9)
    gen = generation_speed(min(args.seconds, 1.0) if quick else args.seconds)
    train = training_speed(3 if quick else 20)
    load = round(os.getloadavg()[0], 1)
    result = {"threads": args.threads, "load_average": load, "constrained_duet": duet,
              "generation": gen, "training": train,
              "duet_meets_target": duet["median_s"] < DUET_TARGET_S,
              "generation_meets_target": gen["chars_per_s"] >= GENERATION_TARGET}
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"threads: {args.threads}, load average {load}")
    print(f"constrained 8-line duet (rhyme AABB/ABAB/ABCB, common metre, real words, "
          f"{duet['candidates_per_line']} candidates/line): median {duet['median_s']:.2f} s, max "
          f"{duet['max_s']:.2f} s over {duet['rounds']} seeds; plain duet same run "
          f"{duet['plain_median_s']:.2f} s (x{duet['ratio_to_plain']}); target < {DUET_TARGET_S:.0f} s: "
          f"{'met' if result['duet_meets_target'] else 'MISSED'}; the first (cold) one "
          f"{duet['cold_s']:.1f} s")
    print(f"generation: {gen['chars_per_s']:.0f} chars/s, {gen['lines_per_s']:.1f} lines/s "
          f"({gen['chars']} chars in {gen['seconds']} s, {' + '.join(gen['artists'])}; "
          f"target >= {GENERATION_TARGET:.0f}: {'met' if result['generation_meets_target'] else 'MISSED'})")
    print(f"training: {train['chars_per_s']:.0f} chars/s (batch {train['batch']} x {train['seq_len']}, "
          f"{train['parameters']:,} parameters)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
