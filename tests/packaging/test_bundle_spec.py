"""The PyInstaller spec bundles every assets/ folder (present and future) and leaves tests out.

The spec is executed here with stand-ins for PyInstaller's Analysis/PYZ/EXE/COLLECT, so the test
checks the very arguments `make package` passes, without a slow build.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGING = REPO / "packaging"
sys.path.insert(0, str(PACKAGING))

import bundle_layout  # noqa: E402


class Recorder:
    """Stands in for a PyInstaller build step and remembers its arguments."""

    calls: dict[str, Recorder] = {}

    def __init__(self, *args, **kwargs) -> None:
        self.args, self.kwargs = args, kwargs
        self.binaries = [("torch/lib/libtorch_cpu.so", "/x", "BINARY"),
                         ("torch/lib/libtorchbind_test.so", "/y", "BINARY")]
        self.datas = [("PySide6/Qt/translations/qt_de.qm", "/z", "DATA")]
        self.pure, self.scripts = [], []
        Recorder.calls[type(self).__name__] = self


@pytest.fixture(scope="module")
def analysis() -> Recorder:
    steps = {name: type(name, (Recorder,), {}) for name in ("Analysis", "PYZ", "EXE", "COLLECT")}
    namespace = {**steps, "SPECPATH": str(PACKAGING), "__file__": str(PACKAGING / "segue.spec")}
    exec(compile((PACKAGING / "segue.spec").read_text(encoding="utf-8"), "segue.spec", "exec"), namespace)
    return Recorder.calls["Analysis"]


def bundled_files(datas: list[tuple[str, str]]) -> set[str]:
    """Destination paths of every file the data pairs copy (folders expanded like PyInstaller)."""
    out = set()
    for src, dest in datas:
        source = Path(src)
        if source.is_dir():
            out |= {f"{dest}/{p.relative_to(source).as_posix()}" for p in source.rglob("*") if p.is_file()}
        else:
            out.add(f"{dest}/{source.name}".lstrip("./"))
    return out


def asset_files(root: Path) -> set[str]:
    assets = root / "assets"
    return {f"assets/{p.relative_to(assets).as_posix()}" for p in assets.rglob("*")
            if p.is_file() and not bundle_layout.SKIP_NAMES.intersection(p.relative_to(assets).parts)}


def test_spec_bundles_every_asset_file(analysis: Recorder):
    files = bundled_files(analysis.kwargs["datas"])
    expected = asset_files(REPO)
    assert expected, "assets/ is empty"
    assert expected - files == set()
    top = {p.name for p in (REPO / "assets").iterdir() if p.is_dir()}
    assert top <= {f.split("/")[1] for f in files if f.startswith("assets/")}


def test_no_asset_is_pruned_and_no_test_or_bench_file_is_bundled(analysis: Recorder):
    files = bundled_files(analysis.kwargs["datas"])
    assert not [f for f in asset_files(REPO) if bundle_layout.is_pruned(f)]
    sources = [Path(src).resolve() for src, _ in analysis.kwargs["datas"]]
    for folder in (REPO / "tests", REPO / "bench"):
        assert not [s for s in sources if s == folder or folder in s.parents]
    assert not [m for m in analysis.kwargs["hiddenimports"] if m.split(".")[0] in ("tests", "bench")]
    assert {"tests", "bench", "pytest"} <= set(analysis.kwargs["excludes"])
    assert "engine/library/storage/migrations/versions/0001_initial.py" in files
    assert "LICENSE" in files


def test_spec_prunes_what_segue_never_loads(analysis: Recorder):
    assert [b[0] for b in analysis.binaries] == ["torch/lib/libtorch_cpu.so"]
    assert analysis.datas == []
    assert bundle_layout.is_pruned("PySide6/Qt/lib/libQt6Quick.so.6")
    assert not bundle_layout.is_pruned("PySide6/Qt/lib/libQt6Widgets.so.6")
    assert not bundle_layout.is_pruned("PySide6/Qt/plugins/platforms/libqxcb.so")
    assert bundle_layout.is_pruned("torch/bin/test_api")
    assert not bundle_layout.is_pruned("torch/bin/torch_shm_manager")  # torch looks for it at import


def test_spec_imports_every_room_and_copies_metadata(analysis: Recorder):
    hidden = set(analysis.kwargs["hiddenimports"])
    assert {"engine.cli", "engine.dshl.commands", "engine.lyrics.commands", "engine.library.commands",
            "app.main", "app.main_window"} <= hidden
    copied = {dest for _, dest in analysis.kwargs["datas"]}
    assert any(d.startswith("torch-") and d.endswith(".dist-info") for d in copied)


def test_a_new_asset_folder_is_collected_without_editing_the_spec(tmp_path: Path):
    (tmp_path / "assets" / "data" / "commentary").mkdir(parents=True)
    (tmp_path / "assets" / "data" / "commentary" / "topics.json").write_text("{}")
    (tmp_path / "assets" / "README.md").write_text("top-level file")
    (tmp_path / "assets" / "data" / "__pycache__").mkdir()
    (tmp_path / "assets" / "data" / "__pycache__" / "x.pyc").write_bytes(b"")
    files = bundled_files(bundle_layout.asset_datas(tmp_path))
    assert files >= asset_files(tmp_path) == {"assets/data/commentary/topics.json", "assets/README.md"}


def test_bundle_soundfont_when_pretty_midi_is_installed(analysis: Recorder):
    pytest.importorskip("pretty_midi")
    assert "pretty_midi/TimGM6mb.sf2" in bundled_files(analysis.kwargs["datas"])


def test_metadata_of_requirements_segue_never_imports_is_dropped():
    pytest.importorskip("librosa")
    import torch

    datas = [("librosa-0.11.0.dist-info/METADATA", "/a", "DATA"),
             (f"torch-{torch.__version__}.dist-info/METADATA", "/b", "DATA"),
             ("assets/CREDITS.md", "/c", "DATA")]
    pure = [("torch.nn", "/d", "PYMODULE"), ("engine.cli", "/e", "PYMODULE")]
    assert bundle_layout.unused_metadata(datas, pure, []) == {"librosa-0.11.0.dist-info"}
    report = bundle_layout.pruning_report([("torch/lib/libtorchbind_test.so", "", "BINARY")],
                                          {"librosa-0.11.0.dist-info"})
    assert "left out 1 files" in report and "torch/lib" in report and "librosa" in report


def test_bundle_starts_the_same_entry_point_as_the_segue_command(analysis: Recorder):
    import re
    import tomllib

    script = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    module, func = tomllib.loads(script)["project"]["scripts"]["segue"].split(":")
    entry = Path(analysis.args[0][0]).read_text(encoding="utf-8")
    assert re.search(rf"from {re.escape(module)} import {func}\b", entry)
    assert "freeze_support()" in entry
