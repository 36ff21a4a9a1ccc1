"""Benchmark: the musicnn tagger's CPU cost on one thread, against librosa.load of the same audio.

On a demo clip (Karissa Hobbs, "Let's Go Fishin'", 133 s), measured in the same run with
``time.process_time`` (CPU seconds: a busy machine inflates them less than the wall clock), torch
and every BLAS pool at one thread:

* ``librosa.load(sr=16000)`` of the file: decoding and resampling, the baseline;
* the mel front end (:func:`engine.tagger.audio.mel_patches`) for every patch and for the default
  bounded number of patches;
* the network (:func:`engine.tagger.tag.run_patches`) per 3-s patch, for both models;
* decoding only the default patches' excerpts (:func:`engine.tagger.audio.read_excerpts`), and
  :func:`engine.tagger.tag.tag_file` with the default ``max_patches``, as the Library would call it;

each as CPU seconds (per minute of audio, or per track) and as a ratio to ``librosa.load``, then
the cost of tagging a track of the clip's length with other ``max_patches`` (docs/tagger.md).

    python bench/tagger_speed.py [--quick]

``--quick`` (or ``SEGUE_BENCH_QUICK=1``): the first 10 s of the clip and one timing round
(``make test`` runs it so the script never rots).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import librosa  # noqa: E402
import soundfile as sf  # noqa: E402
import torch  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from engine.tagger import audio  # noqa: E402
from engine.tagger.tag import (  # noqa: E402
    DEFAULT_MAX_PATCHES,
    MODELS,
    load_model,
    run_patches,
    tag_file,
)

CLIP = REPO / "assets" / "audio" / "Karissa_Hobbs_-_Lets_Go_Fishin.ogg"


def cpu_seconds(fn, rounds: int) -> float:  # noqa: ANN001
    """Smallest CPU time of ``fn()`` over ``rounds`` calls (after one warm-up call)."""
    fn()
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        fn()
        best = min(best, time.process_time() - started)
    return best


def main() -> None:
    """Print CPU s per minute of audio and the ratio to librosa.load for each stage."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 s of audio, one round")
    quick = parser.parse_args().quick or os.environ.get("SEGUE_BENCH_QUICK", "") not in ("", "0")
    rounds = 1 if quick else 3
    torch.set_num_threads(1)
    with threadpool_limits(limits=1), tempfile.TemporaryDirectory() as tmp:
        path = CLIP
        if quick:  # a 10-s excerpt
            rate = sf.info(str(CLIP)).samplerate
            y, sr = sf.read(str(CLIP), frames=10 * rate, dtype="float32")
            path = Path(tmp) / "excerpt.wav"
            sf.write(path, y, sr)
        seconds = sf.info(str(path)).duration
        minutes = seconds / 60
        load = cpu_seconds(lambda: librosa.load(str(path), sr=audio.SAMPLE_RATE), rounds)
        y16 = audio.load_audio(path)
        mel_all = cpu_seconds(lambda: audio.mel_patches(y16, None), rounds)
        mel_some = cpu_seconds(lambda: audio.mel_patches(y16, DEFAULT_MAX_PATCHES), rounds)
        patches, _ = audio.mel_patches(y16, None)
        print(f"clip: {path.name}, {seconds:.1f} s, {len(patches)} patches of 3 s; one thread; "
              f"CPU seconds (best of {rounds})")
        print(f"{'librosa.load (sr=16000)':34s} {load / minutes:7.3f} CPU-s/min of audio   1.00x")
        print(f"{'mel front end, every patch':34s} {mel_all / minutes:7.3f} CPU-s/min of audio "
              f"{mel_all / load:6.2f}x")
        print(f"{f'mel front end, {DEFAULT_MAX_PATCHES} patches':34s} {mel_some:7.3f} CPU-s per "
              f"track        {mel_some / load:6.2f}x")
        per_patch = {}
        for model in MODELS:
            load_model(model)
            net = cpu_seconds(lambda m=model: run_patches(patches, m), rounds)
            per_patch[model] = net / len(patches)
            print(f"{f'network {model}, every patch':34s} {net / minutes:7.3f} CPU-s/min of audio "
                  f"{net / load:6.2f}x  ({1000 * per_patch[model]:.1f} ms per patch)")
        excerpts = cpu_seconds(lambda: audio.read_excerpts(path, DEFAULT_MAX_PATCHES), rounds)
        whole = cpu_seconds(lambda: tag_file(path, MODELS[0], DEFAULT_MAX_PATCHES), rounds)
        print(f"{f'decode {DEFAULT_MAX_PATCHES} excerpts (read_excerpts)':34s} {excerpts:7.3f} CPU-s "
              f"per track        {excerpts / load:6.2f}x")
        print(f"{f'tag_file, max_patches={DEFAULT_MAX_PATCHES} (default)':34s} {whole:7.3f} CPU-s "
              f"per track        {whole / load:6.2f}x   (everything: decode, mel, network)")
        print(f"\ntagging one {seconds:.0f}-s track (CPU-s, MTT_musicnn; decode = librosa.load):")
        for k in (1, 2, 4, DEFAULT_MAX_PATCHES, 8, None):
            count = len(audio.patch_starts(audio.n_frames(len(y16)), k))
            mel = mel_all * count / len(patches)
            net = per_patch[MODELS[0]] * count
            label = "every patch" if k is None else f"max_patches={k}"
            print(f"  {label:16s} ({count:2d} patches): decode {load:.3f} + mel {mel:.3f} + "
                  f"network {net:.3f} = {load + mel + net:.3f}   (without decode {mel + net:.3f})")


if __name__ == "__main__":
    main()
