"""Every benchmark in bench/ still runs (issue 28, "Benchmarks that never rot").

Each script runs in quick mode (``SEGUE_BENCH_QUICK=1``: small sizes, a few seconds) in its own
process; the test checks only that it exits 0 and prints figures — never a timing. The MIDI
benchmark needs JACK (``make test`` starts one with the dummy driver). A script that does not
read ``SEGUE_BENCH_QUICK`` would be skipped with that reason rather than run at full size (none
does).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"
SCRIPTS = sorted(p.name for p in BENCH.glob("*.py") if not p.name.startswith("_"))
NEEDS_JACK = {"midi_jitter.py"}
TIMEOUT = 300.0  # seconds: a hang, not a slow machine


def test_every_bench_script_is_listed() -> None:
    assert len(SCRIPTS) >= 12 and "cluster_scan.py" in SCRIPTS and "ann_compare.py" in SCRIPTS


@pytest.mark.parametrize("script", [
    pytest.param(name, marks=pytest.mark.jack) if name in NEEDS_JACK else name
    for name in SCRIPTS])
def test_bench_script_runs_in_quick_mode(script: str, tmp_path: Path) -> None:
    if "SEGUE_BENCH_QUICK" not in (BENCH / script).read_text(encoding="utf-8"):
        pytest.skip(f"bench/{script} has no quick mode yet (SEGUE_BENCH_QUICK)")
    env = {**os.environ, "SEGUE_BENCH_QUICK": "1", "QT_QPA_PLATFORM": "offscreen",
           "PYTHONPATH": str(REPO), "TMPDIR": str(tmp_path)}
    try:
        done = subprocess.run([sys.executable, str(BENCH / script)], cwd=REPO, env=env,
                              capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"{script} did not finish in quick mode within {TIMEOUT:.0f} s: "
                    f"{str(exc.stdout or '')[-2000:]}")
    assert done.returncode == 0, f"{script} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    figures = [line for line in done.stdout.splitlines() if re.search(r"\d", line)]
    assert figures, f"{script} printed no figures:\n{done.stdout}\n{done.stderr[-2000:]}"
