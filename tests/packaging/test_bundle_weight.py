"""The bundle's weight: the size report, the stripped libraries and the torch sources left out."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGING = REPO / "packaging"
sys.path.insert(0, str(PACKAGING))

import bundle_layout  # noqa: E402
import size_report  # noqa: E402


def make_bundle(root: Path, sizes: dict[str, int]) -> Path:
    for rel, size in sizes.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"\0" * size)
    return root


def test_size_report_lists_heavy_folders_with_their_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    bundle = make_bundle(tmp_path / "segue", {"segue": 3000, "_internal/torch/lib/libtorch_cpu.so": 5000,
                                              "_internal/torch/x.py": 100, "_internal/small/a": 10})
    monkeypatch.setattr(size_report, "REASONS", {"_internal": "all", "_internal/torch": "models",
                                                 "_internal/torch/lib": "kernels"})
    text, ok = size_report.report(bundle, threshold_mb=0.001, budget_mb=1)
    assert ok, text
    assert "torch/" in text and "models" in text and "libtorch_cpu.so" in text
    assert "small" not in text
    lines = text.splitlines()
    torch_line = lines.index(next(x for x in lines if "torch/" in x))
    assert torch_line < lines.index(next(x for x in lines if "lib/" in x))  # a folder before its children


def test_size_report_fails_on_an_unexplained_folder_or_over_budget(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch):
    bundle = make_bundle(tmp_path / "segue", {"_internal/newdep/big.so": 5000})
    monkeypatch.setattr(size_report, "REASONS", {"_internal": "all"})
    text, ok = size_report.report(bundle, threshold_mb=0.001, budget_mb=1)
    assert not ok and "NO REASON GIVEN" in text and "newdep" in text
    monkeypatch.setattr(size_report, "REASONS", {"_internal": "all", "_internal/newdep": "why"})
    text, ok = size_report.report(bundle, threshold_mb=0.001, budget_mb=0.001)
    assert not ok and "over the 0 MB budget" in text
    assert size_report.main([str(tmp_path / "absent")]) == 2


def test_torch_sources_are_kept_only_where_read(tmp_path: Path):
    config = tmp_path / "config.py"
    config.write_text("from torch.utils._config_module import install_config_module\n"
                      "install_config_module(sys.modules[__name__])\n")
    scripted = tmp_path / "scripted.py"
    scripted.write_text("@torch.jit.script\ndef f(x): return x\n")
    plain = tmp_path / "plain.py"
    plain.write_text("def f(x):\n    return x\n")
    assert not bundle_layout.is_unneeded_source("torch/_dynamo/config.py", str(config))
    assert not bundle_layout.is_unneeded_source("torch/distributed/optim/f.py", str(scripted))
    assert bundle_layout.is_unneeded_source("torch/_inductor/ir.py", str(plain))
    assert not bundle_layout.is_unneeded_source("engine/cli.py", str(plain))  # only torch's copies
    assert not bundle_layout.is_unneeded_source("torch/lib/libc10.so", str(plain))
    assert not bundle_layout.is_unneeded_source("torch/absent.py", str(tmp_path / "absent.py"))


def test_the_real_torch_config_modules_keep_their_source():
    torch_dir = bundle_layout.package_dir("torch")
    if torch_dir is None:
        pytest.skip("torch not installed")
    for rel in ("_dynamo/config.py", "_inductor/config.py", "_functorch/config.py"):
        path = torch_dir / rel
        if path.is_file():
            assert not bundle_layout.is_unneeded_source(f"torch/{rel}", str(path)), rel


def test_strip_binaries_strips_listed_libraries_into_a_cache(tmp_path: Path):
    assert bundle_layout.is_stripped_binary("torch/lib/libtorch_cpu.so")
    assert bundle_layout.is_stripped_binary("libpython3.11.so.1.0")
    assert not bundle_layout.is_stripped_binary("numpy.libs/libscipy_openblas64_-32a4b2a6.so")
    missing = [("torch/lib/libtorch_cpu.so", str(tmp_path / "absent.so"), "BINARY")]
    assert bundle_layout.strip_binaries(missing, tmp_path / "cache")[0] == missing
    if shutil.which("strip") is None or shutil.which("cc") is None:
        pytest.skip("needs strip and a C compiler")
    source = tmp_path / "libshm.so"
    (tmp_path / "a.c").write_text("int segue_answer(void) { return 42; }\n")
    subprocess.run(["cc", "-g", "-shared", "-fPIC", "-o", str(source), str(tmp_path / "a.c")], check=True)
    entries, line = bundle_layout.strip_binaries([("torch/lib/libshm.so", str(source), "BINARY"),
                                                  ("other.so", str(source), "BINARY")], tmp_path / "cache")
    stripped = Path(entries[0][1])
    assert stripped == tmp_path / "cache" / "torch/lib/libshm.so"
    assert stripped.stat().st_size < source.stat().st_size and entries[1][1] == str(source)
    assert "stripped 1 shared libraries" in line
    symbols = subprocess.run(["nm", "-D", str(stripped)], capture_output=True, text=True).stdout
    assert "segue_answer" in symbols  # dynamic symbols stay: the library still links
