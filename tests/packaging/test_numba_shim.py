"""The bundle leaves numba and llvmlite out (171 MB): packaging/numba_shim.py stands in for numba.

librosa imports numba in every module, but the librosa functions Segue calls never run a compiled
helper. These tests hold that true: every librosa call in engine/ and app/ is one of
``bundle_layout.LIBROSA_CALLS``, and each of those (and Segue's own features built on them) gives the
same numbers with the stand-in as with numba, in a fresh interpreter without llvmlite.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGING = REPO / "packaging"
sys.path.insert(0, str(PACKAGING))

import bundle_layout  # noqa: E402

DRIVER = r'''
import json, sys
import numpy as np
mode, out = sys.argv[1], sys.argv[2]
if mode == "shim":
    sys.path.insert(0, sys.argv[3])
    import numba_shim
    sys.modules["numba"] = numba_shim
import librosa
from engine.library.analysis import features
from engine.library.analysis import melpatches

rng = np.random.default_rng(7)
rate = 22050
t = np.arange(rate * 12) / rate
y = (0.4 * np.sin(2 * np.pi * (220 + 40 * t) * t) + 0.05 * rng.standard_normal(t.size)).astype(np.float32)
y[rate * 3: rate * 4] *= 3.0  # an onset
results = {}
mel_fb = librosa.filters.mel(sr=rate, n_fft=2048, n_mels=64, fmin=30.0, fmax=8000.0, htk=True)
results["filters.mel"] = mel_fb
spec = np.abs(librosa.stft(y, n_fft=1024, hop_length=512, center=False)) ** 2
results["stft"] = spec
results["power_to_db"] = librosa.power_to_db(spec, ref=float(spec.max()), amin=1e-10, top_db=80.0)
frames = librosa.util.frame(y, frame_length=2048, hop_length=512, axis=0)
results["util.frame"] = np.ascontiguousarray(frames[:50])
logmel = np.log(np.abs(np.fft.rfft(frames * np.hanning(2048), axis=1)) ** 2 @ mel_fb.T + 1e-6)
results["feature.mfcc"] = librosa.feature.mfcc(S=logmel.T, n_mfcc=13, dct_type=2, norm="ortho")
results["onset.onset_strength"] = librosa.onset.onset_strength(
    S=logmel.T, lag=1, max_size=1, aggregate=np.sum, detrend=False, center=False)
vector, stability = features.analyse_samples(y, rate)
results["segue.features"] = np.asarray(vector, dtype=np.float64)
results["segue.stability"] = np.asarray([stability])
results["segue.mel_patches"] = np.asarray(melpatches.mel_patches(y, rate))
import soundfile, tempfile, os
with tempfile.TemporaryDirectory() as folder:  # librosa.load: decode and resample (soxr)
    wav = os.path.join(folder, "tone.wav")
    soundfile.write(wav, y[: rate * 2], rate)
    results["load"] = librosa.load(wav, sr=16000, mono=True)[0]
segue_calls = dict(sys.modules["numba"].calls) if mode == "shim" else {}
# functions whose numba helpers fall back to Python (jit, vectorize): same numbers, slower
results["fallback.istft"] = librosa.istft(librosa.stft(y[:rate], n_fft=512), n_fft=512)
results["fallback.abs2"] = librosa.util.abs2(librosa.stft(y[:rate], n_fft=512))
report = {"llvmlite": "llvmlite" in sys.modules, "numba": sys.modules["numba"].__version__}
if mode == "shim":
    report["calls"] = dict(numba_shim.calls)
    report["segue_calls"] = segue_calls
    try:
        librosa.util.localmax(spec[:, :5])
        report["localmax"] = "ran"
    except numba_shim.NumbaNotBundled as exc:
        report["localmax"] = str(exc)
np.savez(out, **results)
print(json.dumps(report))
'''


def librosa_calls(root: Path) -> dict[str, list[str]]:
    """``librosa.x.y`` attribute chains called in engine/ and app/, with where each is called."""
    found: dict[str, list[str]] = {}
    for path in sorted([*(root / "engine").rglob("*.py"), *(root / "app").rglob("*.py")]):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        aliases = {"librosa"}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                aliases |= {a.asname or a.name for a in node.names if a.name == "librosa"}
            elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "librosa":
                for alias in node.names:
                    found.setdefault(f"{node.module}.{alias.name}", []).append(f"{path.relative_to(root)}")
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            chain, target = [], node.func
            while isinstance(target, ast.Attribute):
                chain.append(target.attr)
                target = target.value
            if isinstance(target, ast.Name) and target.id in aliases and chain:
                name = ".".join(["librosa", *reversed(chain)])
                found.setdefault(name, []).append(f"{path.relative_to(root)}:{node.lineno}")
    return found


def run_driver(mode: str, tmp_path: Path) -> tuple[dict, dict[str, object]]:
    out = tmp_path / f"{mode}.npz"
    proc = subprocess.run([sys.executable, "-c", DRIVER, mode, str(out), str(PACKAGING)], cwd=REPO,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    import numpy as np

    with np.load(out) as data:
        return report, {k: data[k] for k in data.files}


def test_engine_calls_only_librosa_functions_checked_without_numba():
    calls = librosa_calls(REPO)
    assert calls, "no librosa call found: has the library stopped using librosa?"
    unchecked = {name: where for name, where in calls.items() if name not in bundle_layout.LIBROSA_CALLS}
    assert not unchecked, (
        f"librosa functions called by Segue but not checked against the bundle's numba stand-in: {unchecked}."
        " Add each to bundle_layout.LIBROSA_CALLS and to DRIVER here; if one needs numba compiled "
        "(numba_shim.calls shows a guvectorize or stencil), bundle numba again (remove it from EXCLUDES)")


def test_spec_leaves_numba_out_and_installs_the_stand_in():
    options = bundle_layout.analysis_options()
    assert {"numba", "llvmlite"} <= set(options["excludes"])
    assert bundle_layout.NUMBA_SHIM in options["hiddenimports"]
    assert (PACKAGING / f"{bundle_layout.NUMBA_SHIM}.py").is_file()
    hooks = [Path(h) for h in options["runtime_hooks"]]
    assert hooks and all(h.is_file() for h in hooks)
    assert any("numba_shim" in h.read_text(encoding="utf-8") for h in hooks)
    assert str(PACKAGING) in options["pathex"]


@pytest.mark.slow
def test_librosa_and_segue_features_are_identical_with_the_stand_in(tmp_path: Path):
    pytest.importorskip("librosa")
    pytest.importorskip("numba")
    shim_report, shim = run_driver("shim", tmp_path)
    real_report, real = run_driver("real", tmp_path)
    assert not shim_report["llvmlite"] and real_report["llvmlite"]
    assert shim_report["numba"].endswith("segue-shim")
    assert shim.keys() == real.keys()
    import numpy as np

    for key in real:
        if key.startswith("fallback."):
            np.testing.assert_allclose(shim[key], real[key], rtol=1e-5, atol=1e-6, err_msg=key)
        else:
            assert shim[key].dtype == real[key].dtype, key
            assert np.array_equal(shim[key], real[key]), f"{key} differs without numba"
    # Segue's calls ran no numba helper at all (not even a Python fallback); the fallbacks checked
    # above ran, and only what needs a compiled gufunc was refused
    assert shim_report["segue_calls"] == {}
    refused = {k: v for k, v in shim_report["calls"].items() if k.split(":")[0] in ("guvectorize", "stencil")}
    assert set(refused) == {k for k in refused if "localmax" in k}
    assert {k.split(":")[1].rsplit(".", 1)[-1] for k in shim_report["calls"]} <= {
        "__overlap_add", "__window_ss_fill", "_cabs2", "_localmax"}
    assert "numba" in shim_report["localmax"] and "_localmax" in shim_report["localmax"]
