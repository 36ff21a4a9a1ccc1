"""Check Segue's PyTorch musicnn against the original TensorFlow models on real and made clips.

Two comparisons per clip and model (``MTT_musicnn``, ``MSD_musicnn``):

* **network**: the same log-mel patches (Segue's front end) through the original TF graph
  (built by the wheel's own ``models.define_model`` and restored from its checkpoint) and through
  the port: max absolute difference of the 50 tag probabilities over every patch, and of the
  200-d penultimate layer.
* **end to end**: the wheel's own ``extractor.batch_data`` (librosa load + mel + logC) and TF
  against :func:`engine.tagger.tag.tag_file` with every patch. The original takes the logarithm
  in float16, which overflows on loud audio and makes TF answer NaN; the script counts those
  patches, and compares with the original's front end corrected (float16-rounded power, logC in
  float32), which is what the port computes. Reported: max absolute difference of the per-patch
  and track-mean probabilities, and whether the top-5 tags agree.

Also prints how close a track's tags from a few evenly spread patches (``max_patches``) come to
those from every patch, and (``--fixture``) writes the regression fixture of
``tests/engine/tagger/test_musicnn.py``: three quantised input patches and the original's outputs.

TensorFlow runs only in a throwaway environment: this script calls itself there
(``--tf-python``) for the TF half. Reproduction (docs/tagger.md)::

    python3 -m venv /tmp/tfenv && /tmp/tfenv/bin/pip install tensorflow-cpu tf-keras librosa
    .venv/bin/python scripts/validate_musicnn_port.py --musicnn-dir /path/to/musicnn \\
        --tf-python /tmp/tfenv/bin/python [--extra music/*.ogg] [--fixture tests/data/tagger/...]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
MODELS = ("MTT_musicnn", "MSD_musicnn")
SPEECH = [("en", "The quick brown fox jumps over the lazy dog. Segue tags music with a small "
                 "convolutional network, one three second patch at a time."),
          ("en+f3", "Please remember to bring the umbrella, the weather report promised rain "
                    "for the whole of the afternoon and most of the evening."),
          ("de", "Heute ist ein schöner Tag, und wir gehen zusammen in den Park, um Musik zu "
                 "hören und über alte Lieder zu sprechen.")]
PROGRAMS = [("piano", 0, "hpps1.mid"), ("violin", 40, "jigs1.mid"),
            ("guitar", 24, "reelsa-c1.mid"), ("flute", 73, "morris2.mid")]
FIXTURE_CLIPS = ("midi-piano", "speech-en", "Kevin_MacLeod_-_Vibe_Ace")


# ---------------------------------------------------------------- TensorFlow half (under TF)

def tf_worker(musicnn_dir: Path, request: Path, result: Path) -> None:
    """(Under TensorFlow.) Run the original models on the request's patches and files."""
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")  # tf.compat.v1.layers needs tf_keras
    sys.path.insert(0, str(musicnn_dir.parent))
    import tensorflow as tf
    from musicnn import configuration, extractor, models  # the wheel's own code

    req = np.load(request, allow_pickle=False)
    files = [str(f) for f in req["files"]]
    out: dict[str, np.ndarray] = {}
    for model in MODELS:
        tf.compat.v1.reset_default_graph()
        with tf.name_scope("model"):
            x = tf.compat.v1.placeholder(tf.float32, [None, 187, configuration.N_MELS])
            is_training = tf.compat.v1.placeholder(tf.bool)
            logits, *_, penultimate = models.define_model(x, is_training, model, 50)
            probs = tf.nn.sigmoid(logits)
        sess = tf.compat.v1.Session()
        tf.compat.v1.train.Saver().restore(sess, str(musicnn_dir / model) + "/")

        def run(batch: np.ndarray, feed: tuple = (sess, probs, penultimate, x, is_training)
                ) -> tuple[np.ndarray, np.ndarray]:
            return _run_tf(*feed, batch)

        for i, path in enumerate(files):
            out[f"{model}|net|{i}"], out[f"{model}|net_pen|{i}"] = run(req[f"patches|{i}"])
            try:
                original, rep = extractor.batch_data(path, 187, 187)  # float16 logC, as shipped
            except UnboundLocalError:  # shorter than one patch: the original cannot tag it
                continue
            out[f"{model}|orig_inf|{i}"] = np.isinf(original).any(axis=(1, 2))
            out[f"{model}|orig|{i}"] = run(original.astype(np.float32))[0]
            power = _original_power(extractor, path)
            fixed = np.log10(np.float32(10000) * np.minimum(power, 65504).astype(np.float16)
                             .astype(np.float32) + np.float32(1))
            starts = range(0, fixed.shape[0] - 187 + 1, 187)
            out[f"{model}|fixed|{i}"] = run(np.stack([fixed[s: s + 187] for s in starts]))[0]
        if "fixture" in req:
            out[f"{model}|fixture"], out[f"{model}|fixture_pen"] = run(req["fixture"])
        sess.close()
    np.savez(result, **out)


def _run_tf(sess: object, probs: object, penultimate: object, x: object, is_training: object,
            batch: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities and penultimate layers, one patch per run as the wheel's extractor does."""
    p, h = [], []
    for i in range(len(batch)):
        a, b = sess.run([probs, penultimate],  # type: ignore[attr-defined]
                        {x: batch[i: i + 1], is_training: False})
        p.append(a)
        h.append(b)
    return np.concatenate(p), np.concatenate(h)


def _original_power(extractor: object, path: str) -> np.ndarray:
    """The mel power of ``extractor.batch_data`` before its float16 cast (same calls)."""
    import librosa

    cfg = extractor.config  # type: ignore[attr-defined]
    audio, sr = librosa.load(path, sr=cfg.SR)
    return librosa.feature.melspectrogram(y=audio, sr=sr, hop_length=cfg.FFT_HOP,
                                          n_fft=cfg.FFT_SIZE, n_mels=cfg.N_MELS).T


# ---------------------------------------------------------------- clips (project venv)

def make_clips(work: Path, extra: list[Path], max_seconds: float) -> list[tuple[str, str, Path]]:
    """(kind, name, file) for every clip: demo audio, test audio, speech, tones, MIDI, extras."""
    import soundfile as sf

    work.mkdir(parents=True, exist_ok=True)
    clips: list[tuple[str, str, Path]] = []

    def add(kind: str, source: Path) -> None:
        info = sf.info(str(source))
        if info.duration <= max_seconds:
            clips.append((kind, source.stem, source))
            return
        y, sr = sf.read(str(source), frames=int(max_seconds * info.samplerate), dtype="float32")
        out = work / f"{source.stem}.wav"
        sf.write(out, y, sr, subtype="FLOAT")
        clips.append((kind, source.stem, out))

    for f in sorted((REPO / "assets" / "audio").glob("*.ogg")):
        add("demo", f)
    for f in sorted((REPO / "tests" / "data" / "library").glob("*.*")):
        if f.suffix in (".ogg", ".flac"):
            add("test data", f)
    if shutil.which("espeak-ng"):
        for voice, text in SPEECH:
            out = work / f"speech-{voice.replace('+', '-')}.wav"
            subprocess.run(["espeak-ng", "-v", voice, "-s", "150", "-w", str(out), text], check=True)
            clips.append(("speech (espeak-ng)", out.stem.replace("-en-f3", "-en-female"), out))
    for name, y in _tones().items():
        out = work / f"{name}.wav"
        sf.write(out, y, 16000, subtype="FLOAT")
        clips.append(("synthetic", name, out))
    clips += _midi_renders(work)
    for f in extra:
        add("music (extra)", f)
    return clips


def _tones(sr: int = 16000, seconds: float = 12.0) -> dict[str, np.ndarray]:
    """Sine, harmonic chord, white and pink noise, a click track, a loud square, a quiet sine."""
    rng = np.random.default_rng(0)
    t = np.arange(int(sr * seconds)) / sr
    chord = sum(np.sin(2 * np.pi * f * k * t) / k for f in (220.0, 277.18, 329.63) for k in (1, 2, 3))
    white = rng.standard_normal(t.size)
    pink = np.fft.irfft(np.fft.rfft(white) / np.sqrt(np.maximum(np.fft.rfftfreq(t.size, 1 / sr), 20)))
    clicks = np.zeros_like(t)
    for start in range(0, t.size, sr // 2):  # 120 bpm
        clicks[start: start + 400] = np.sin(2 * np.pi * 1500 * t[:400]) * np.exp(-t[:400] * 200)
    tones = {"sine-440": 0.5 * np.sin(2 * np.pi * 440 * t), "chord-A": 0.3 * chord,
             "white-noise": 0.2 * white, "pink-noise": 0.5 * pink / np.abs(pink).max(),
             "clicks-120bpm": 0.8 * clicks,
             "square-110-loud": 0.99 * np.sign(np.sin(2 * np.pi * 110 * t)),
             "sine-440-quiet": 0.001 * np.sin(2 * np.pi * 440 * t)}
    return {k: v.astype(np.float32) for k, v in tones.items()}


def _midi_renders(work: Path, seconds: float = 30.0) -> list[tuple[str, str, Path]]:
    """Nottingham tunes rendered through Segue's SoundFont synth, one GM programme each."""
    import pretty_midi
    import soundfile as sf

    sys.path.insert(0, str(REPO))
    from engine.playback.synth import render_midi

    clips = []
    for name, program, tune in PROGRAMS:
        pm = pretty_midi.PrettyMIDI(str(REPO / "tests" / "data" / "dshl" / tune))
        for instrument in pm.instruments:
            instrument.program = program
        y = render_midi(pm, sample_rate=22050)[: int(seconds * 22050)]
        out = work / f"midi-{name}.wav"
        sf.write(out, 0.9 * y / max(float(np.abs(y).max()), 1e-9), 22050, subtype="FLOAT")
        clips.append(("MIDI render", out.stem, out))
    return clips


# ---------------------------------------------------------------- comparison (project venv)

def _top(p: np.ndarray, tags: tuple[str, ...], k: int = 5) -> list[str]:
    return [tags[i] for i in np.argsort(-p, kind="stable")[:k]]


def compare(clips: list[tuple[str, str, Path]], tf_out: dict[str, np.ndarray],
            ports: dict[tuple[str, int], object]) -> list[dict]:
    """One row per clip and model with every difference."""
    from engine.tagger.tag import run_patches, tag_names

    rows = []
    for model in MODELS:
        tags = tag_names(model)
        for i, (kind, name, _) in enumerate(clips):
            port = ports[(model, i)]
            probs, pen = run_patches(port["patches"], model)
            row = {"model": model, "kind": kind, "clip": name, "patches": len(probs),
                   "net": float(np.abs(probs - tf_out[f"{model}|net|{i}"]).max()),
                   "net_pen": float(np.abs(pen - tf_out[f"{model}|net_pen|{i}"]).max())}
            if f"{model}|fixed|{i}" in tf_out:
                fixed = tf_out[f"{model}|fixed|{i}"]
                e2e = port["e2e"]
                row["orig_nan"] = int(np.isnan(tf_out[f"{model}|orig|{i}"]).any(axis=1).sum())
                row["orig_inf_input"] = int(tf_out[f"{model}|orig_inf|{i}"].sum())
                if fixed.shape == e2e.patch_probabilities.shape:
                    row["e2e_patch"] = float(np.abs(fixed - e2e.patch_probabilities).max())
                    row["e2e_mean"] = float(np.abs(fixed.mean(0) - e2e.probabilities).max())
                    a, b = _top(fixed.mean(0), tags), _top(e2e.probabilities, tags)
                    row["top5_same"], row["top5_order"] = set(a) == set(b), a == b
                    row["top5"] = b
                else:
                    row["e2e_patch"] = float("nan")
            rows.append(row)
    return rows


def patch_budget(ports: dict[tuple[str, int], object],
                 budgets: tuple[int, ...] = (1, 2, 3, 4, 6, 8, 12)) -> list[str]:
    """How tags from ``k`` spread patches compare with tags from every patch (clips ≥ 8 patches)."""
    from engine.tagger.audio import PATCH_FRAMES, patch_starts
    from engine.tagger.tag import tag_names

    lines = ["| model | max_patches | clips | mean max abs diff | worst | top-5 overlap |",
             "| --- | --- | --- | --- | --- | --- |"]
    for model in MODELS:
        tags = tag_names(model)
        for k in budgets:
            diffs, overlaps = [], []
            for (m, _), port in ports.items():
                p = port["e2e"].patch_probabilities
                if m != model or len(p) < 8:
                    continue
                idx = patch_starts(len(p) * PATCH_FRAMES, k) // PATCH_FRAMES
                full, some = p.mean(0), p[idx].mean(0)
                diffs.append(float(np.abs(full - some).max()))
                overlaps.append(len(set(_top(full, tags)) & set(_top(some, tags))) / 5)
            if diffs:
                lines.append(f"| {model} | {k} | {len(diffs)} | {np.mean(diffs):.3f} | "
                             f"{np.max(diffs):.3f} | {np.mean(overlaps):.2f} |")
    return lines


def table(rows: list[dict]) -> list[str]:
    """The markdown table of docs/tagger.md."""
    lines = ["| clip | kind | model | patches | network max abs diff | penultimate | end-to-end "
             "(per patch / mean) | top-5 | original NaN patches |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        if "e2e_patch" in r:
            e2e = f"{r['e2e_patch']:.1e} / {r['e2e_mean']:.1e}" if "e2e_mean" in r else "n/a"
            top = ("same order" if r.get("top5_order") else
                   "same set" if r.get("top5_same") else "differs") if "e2e_mean" in r else ""
            nan = f"{r['orig_nan']}/{r['patches']}"
        else:
            e2e, top, nan = "(shorter than a patch)", "", "cannot tag"
        lines.append(f"| {r['clip']} | {r['kind']} | {r['model']} | {r['patches']} | "
                     f"{r['net']:.1e} | {r['net_pen']:.1e} | {e2e} | {top} | {nan} |")
    return lines


def main() -> None:
    """Make the clips, run both halves, print the tables (and write the fixture if asked)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--musicnn-dir", type=Path, default=Path("/tmp/mnn/whl/musicnn"))
    parser.add_argument("--tf-python", default="/tmp/tfenv/bin/python")
    parser.add_argument("--work", type=Path, help="where made clips go (default: a temp folder)")
    parser.add_argument("--extra", type=Path, nargs="*", default=[], help="more audio files")
    parser.add_argument("--max-seconds", type=float, default=60.0, help="longer files are cut")
    parser.add_argument("--fixture", type=Path, help="write the test fixture (.npz) here")
    parser.add_argument("--json", type=Path, help="write every row as JSON here")
    parser.add_argument("--budget-only", action="store_true",
                        help="no TensorFlow: only the max_patches table, on the demo clips, the "
                             "humpback and --extra files at full length")
    parser.add_argument("--tf-worker", nargs=2, type=Path, metavar=("REQUEST", "RESULT"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.tf_worker:
        tf_worker(args.musicnn_dir, *args.tf_worker)
        return
    sys.path.insert(0, str(REPO))
    import torch

    from engine.tagger import audio
    from engine.tagger.tag import tag_file

    torch.set_num_threads(1)
    if args.budget_only:
        files = [*sorted((REPO / "assets" / "audio").glob("*.ogg")),
                 REPO / "tests" / "data" / "library" / "glacier-bay-humpback.ogg", *args.extra]
        ports = {(m, i): {"e2e": tag_file(f, m, max_patches=None)}
                 for m in MODELS for i, f in enumerate(files)}
        print(f"{len(files)} files at full length\n" + "\n".join(patch_budget(ports)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp) / "clips"
        clips = make_clips(work, args.extra, args.max_seconds)
        ports, request = {}, {"files": np.array([str(c[2]) for c in clips])}
        for i, (_, _name, path) in enumerate(clips):
            patches, _ = audio.mel_patches(audio.load_audio(path), None)
            request[f"patches|{i}"] = patches
            for model in MODELS:
                ports[(model, i)] = {"patches": patches,
                                     "e2e": tag_file(path, model, max_patches=None)}
        names = [c[1] for c in clips]
        fixture = [ports[(MODELS[0], names.index(n))]["patches"][0] for n in FIXTURE_CLIPS]
        scales = np.array([p.max() / 255 for p in fixture], dtype=np.float32)
        codes = np.stack([np.round(p / s).astype(np.uint8) for p, s in zip(fixture, scales, strict=True)])
        request["fixture"] = codes.astype(np.float32) * scales[:, None, None]
        np.savez(Path(tmp) / "request.npz", **request)
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "TF_USE_LEGACY_KERAS": "1"}
        subprocess.run([args.tf_python, __file__, "--musicnn-dir", str(args.musicnn_dir),
                        "--tf-worker", str(Path(tmp) / "request.npz"), str(Path(tmp) / "result.npz")],
                       check=True, env=env)
        with np.load(Path(tmp) / "result.npz") as npz:
            tf_out = {k: npz[k] for k in npz.files}
    rows = compare(clips, tf_out, ports)
    print("\n".join(table(rows)))
    net = max(r["net"] for r in rows)
    e2e = [r["e2e_patch"] for r in rows if "e2e_patch" in r and np.isfinite(r["e2e_patch"])]
    agree = [r for r in rows if "top5_same" in r]
    print(f"\nclips: {len(clips)}; network max abs diff over all clips, patches, tags and both "
          f"models: {net:.2e}; penultimate: {max(r['net_pen'] for r in rows):.2e}; end to end: "
          f"{max(e2e):.2e}; top-5 same set {sum(r['top5_same'] for r in agree)}/{len(agree)}, "
          f"same order {sum(r['top5_order'] for r in agree)}/{len(agree)}; clips where the original "
          f"answers NaN: {sum(1 for r in rows if r.get('orig_nan'))}/{len(rows)} (clip, model)")
    print("\n" + "\n".join(patch_budget(ports)))
    if args.fixture:
        args.fixture.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(args.fixture, inputs=codes, scales=scales, clips=np.array(FIXTURE_CLIPS),
                            **{f"{m}_probs": tf_out[f"{m}|fixture"] for m in MODELS},
                            **{f"{m}_penultimate": tf_out[f"{m}|fixture_pen"] for m in MODELS})
        print(f"\nfixture: {args.fixture} ({args.fixture.stat().st_size} bytes)")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
