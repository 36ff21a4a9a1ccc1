"""Convert the musicnn package's TensorFlow 1 checkpoints to Segue's PyTorch tagger models.

Reads ``MTT_musicnn`` and ``MSD_musicnn`` from the folder of an unpacked ``musicnn`` wheel (ISC
licence; each model is a TF1 checkpoint saved under the empty prefix: ``.index``,
``.data-00000-of-00001``, ``.meta``) and writes ``assets/models/tagger/<model>.pt`` in Segue's
checkpoint format (:mod:`engine.checkpoint`: kind ``tagger_musicnn``, format version, config,
weights, metrics — the test-set ROC-AUC / PR-AUC of ``experiment.result`` — and, as extras, the
50 tag names and the source file's SHA-256).

TensorFlow is needed only to read the checkpoints, in a throwaway environment: the script runs
itself under ``--tf-python`` to dump the variables to ``.npz`` files, then maps them to the
PyTorch module with this interpreter (the project venv). Reproduction: docs/tagger.md::

    python3 -m venv /tmp/tfenv && /tmp/tfenv/bin/pip install tensorflow-cpu numpy
    .venv/bin/python scripts/convert_musicnn.py /path/to/site-packages/musicnn \\
        --tf-python /tmp/tfenv/bin/python
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
MODELS = ("MTT_musicnn", "MSD_musicnn")
DATA_FILE = ".data-00000-of-00001"


def dump_variables(musicnn_dir: Path, model: str, out: Path) -> None:
    """(Under TensorFlow.) Write every model variable of ``model``'s checkpoint to ``out`` (.npz).

    Adam slots and the optimiser's step counters are left out: only weights and batch-norm
    statistics are needed for inference.
    """
    import tensorflow as tf

    reader = tf.compat.v1.train.NewCheckpointReader(str(musicnn_dir / model) + "/")
    names = [n for n in reader.get_variable_to_shape_map()
             if "Adam" not in n and not n.startswith(("beta1_power", "beta2_power"))]
    np.savez(out, **{n.replace("/", "|"): reader.get_tensor(n) for n in sorted(names)})


def _labels(musicnn_dir: Path) -> dict[str, list[str]]:
    """The tag lists of ``configuration.py`` (read as text: that module imports nothing, but the
    package's ``__init__`` may, so it is parsed rather than imported)."""
    tree = ast.parse((musicnn_dir / "configuration.py").read_text(encoding="utf-8"))
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            if name.endswith("_LABELS"):
                found[name.removesuffix("_LABELS")] = list(ast.literal_eval(node.value))
    return found


def _metrics(musicnn_dir: Path, model: str) -> dict[str, float]:
    """ROC-AUC and PR-AUC from ``experiment.result`` (first AUC is ROC, second PR in the MSD file)."""
    text = (musicnn_dir / model / "experiment.result").read_text(encoding="utf-8")
    values = [float(v) for v in re.findall(r"AUC:\s*([0-9.]+)", text)]
    if len(values) < 2:
        return {}
    return {"test_roc_auc": round(values[0], 6), "test_pr_auc": round(values[1], 6)}


def tf_to_state_dict(variables: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Map the TF variable names/layouts of ``build_musicnn`` to :class:`Musicnn`'s state dict.

    TF1 layer names number in creation order: batch norms 0 (input), 1–2 (timbral), 3–5
    (temporal), 6–8 (mid end), 9 (pooled), 10 (dense); convs 0–1 timbral, 2–4 temporal, 5–7 mid
    end; dense, dense_1. Conv kernels are ``(kh, kw, in, out)``: 2-D ones become
    ``(out, in, kh, kw)``; the mid end's ``(7, C, 1, out)`` kernels slide over the whole channel
    axis, so they become Conv1d ``(out, C, 7)``. Dense kernels ``(in, out)`` are transposed.
    """
    state: dict[str, np.ndarray] = {}

    def bn(tf_index: int, prefix: str) -> None:
        name = "batch_normalization" + (f"_{tf_index}" if tf_index else "")
        state[f"{prefix}.weight"] = variables[f"{name}/gamma"]
        state[f"{prefix}.bias"] = variables[f"{name}/beta"]
        state[f"{prefix}.running_mean"] = variables[f"{name}/moving_mean"]
        state[f"{prefix}.running_var"] = variables[f"{name}/moving_variance"]
        state[f"{prefix}.num_batches_tracked"] = np.array(0, dtype=np.int64)

    def conv(tf_index: int, prefix: str, one_d: bool) -> None:
        name = "conv2d" + (f"_{tf_index}" if tf_index else "")
        kernel = variables[f"{name}/kernel"]
        if one_d:
            weight = kernel[:, :, 0, :].transpose(2, 1, 0)
        else:
            weight = kernel.transpose(3, 2, 0, 1)
        state[f"{prefix}.weight"] = np.ascontiguousarray(weight)
        state[f"{prefix}.bias"] = variables[f"{name}/bias"]

    bn(0, "input_bn")
    branches = ["timbral.0", "timbral.1", "temporal.0", "temporal.1", "temporal.2"]
    for i, prefix in enumerate(branches):
        conv(i, f"{prefix}.conv", one_d=False)
        bn(i + 1, f"{prefix}.bn")
    for i in range(3):
        conv(5 + i, f"mid{i + 1}", one_d=True)
        bn(6 + i, f"mid{i + 1}_bn")
    bn(9, "pool_bn")
    state["dense.weight"] = np.ascontiguousarray(variables["dense/kernel"].T)
    state["dense.bias"] = variables["dense/bias"]
    bn(10, "dense_bn")
    state["output.weight"] = np.ascontiguousarray(variables["dense_1/kernel"].T)
    state["output.bias"] = variables["dense_1/bias"]
    used = {k for k in variables if k.split("/")[0].startswith(("conv2d", "batch_norm", "dense"))}
    if len(used) != len(variables):
        raise ValueError(f"unexpected variables: {sorted(set(variables) - used)}")
    return state


def build_checkpoint(musicnn_dir: Path, model: str, variables: dict[str, np.ndarray],
                     out_dir: Path) -> Path:
    """Load the mapped weights into :class:`Musicnn` (strictly) and save the Segue checkpoint."""
    import torch

    sys.path.insert(0, str(REPO))
    from engine.checkpoint import Checkpoint, config_to_dict, save_checkpoint
    from engine.tagger.musicnn import FORMAT_VERSION, KIND, Musicnn, MusicnnConfig

    labels = _labels(musicnn_dir)[model.split("_")[0]]
    config = MusicnnConfig(n_tags=len(labels))
    net = Musicnn(config)
    state = {k: torch.from_numpy(np.asarray(v)) for k, v in tf_to_state_dict(variables).items()}
    net.load_state_dict(state, strict=True)
    data = (musicnn_dir / model / DATA_FILE).read_bytes()
    extra: dict[str, Any] = {
        "model": model,
        "tags": labels,
        "source": "musicnn 0.1.0 (github.com/jordipons/musicnn), ISC licence, "
                  "Music Technology Group, Universitat Pompeu Fabra 2019 (Jordi Pons)",
        "source_sha256": hashlib.sha256(data).hexdigest(),
        "trained_on": "MagnaTagATune" if model.startswith("MTT") else "Million Song Dataset",
        "frontend": {"sample_rate": 16000, "n_fft": 512, "hop_length": 256, "n_mels": 96,
                     "compression": "log10(10000 x + 1)"},
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{model}.pt"
    save_checkpoint(path, Checkpoint(KIND, FORMAT_VERSION, config_to_dict(config),
                                     net.state_dict(), _metrics(musicnn_dir, model), extra))
    return path


def main() -> None:
    """Dump (under TF) and convert each model; print where each file went and its size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("musicnn_dir", type=Path, help="the musicnn package folder (unpacked wheel)")
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    parser.add_argument("--out", type=Path, default=REPO / "assets" / "models" / "tagger")
    parser.add_argument("--tf-python", default=sys.executable,
                        help="a Python with TensorFlow (default: this one)")
    parser.add_argument("--dump-only", type=Path, metavar="NPZ_DIR",
                        help="(internal) under TF: write <model>.npz files into NPZ_DIR and stop")
    args = parser.parse_args()
    if args.dump_only:
        for model in args.models:
            dump_variables(args.musicnn_dir, model, args.dump_only / f"{model}.npz")
        return
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([args.tf_python, __file__, str(args.musicnn_dir), "--models", *args.models,
                        "--dump-only", tmp], check=True)
        for model in args.models:
            with np.load(Path(tmp) / f"{model}.npz") as npz:
                variables = {k.replace("|", "/"): npz[k] for k in npz.files}
            path = build_checkpoint(args.musicnn_dir, model, variables, args.out)
            print(json.dumps({"model": model, "file": str(path),
                              "bytes": path.stat().st_size, "variables": len(variables)}))


if __name__ == "__main__":
    main()
