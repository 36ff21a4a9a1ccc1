"""Benchmark: time to the main window, and event-loop stalls while the engine thread works.

Prints figures and ratios against baselines measured in the same run:
- window: process start → main window shown (median of 5), against a bare Qt window; the window
  starts as ``app.main`` starts it (shown first, then ``load_behind`` queues the composer model);
- first compose: process start → the result of a Compose clicked as soon as the window shows
  (it waits behind the model loading on the engine lane; median of 3, fresh SEGUE_HOME);
- stalls: p50/p99 of the gap between 5 ms timer ticks while a 5-second CPU-bound Python job runs
  on the engine thread, against the same probe with the engine idle (both once first-launch work,
  such as loading the composer and the demo library scan, has finished).
Goals (issue 28): window <= 0.5 s and <= 4 x the bare Qt window, stall p99 <= 8 ms. Runs
offscreen unless DISPLAY is set.
Usage: python bench/startup.py [--runs 5] [--seconds 5] [--json] [--quick]   (quick: 1 run, 1 s probes)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

SHOW_SEGUE = """
import sys, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
app = QApplication([])
from app.main_window import MainWindow
from engine.paths import prepare_home
w = MainWindow(prepare_home()); w.show()
QTimer.singleShot(0, w.load_behind)  # as app.main does
QTimer.singleShot(0, lambda: (print('shown', flush=True), app.quit()))
app.exec()
w.runner.shutdown(0)
import os; os._exit(0)  # do not wait for the model loading this run does not measure
"""

COMPOSE_SEGUE = """
import os
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
app = QApplication([])
from app.main_window import MainWindow
from engine.paths import prepare_home
w = MainWindow(prepare_home()); w.show()
QTimer.singleShot(0, w.load_behind)
def compose():
    job = w.panel("composer_panel").compose()
    # measured: leave at once (quitting would ask to save the composed chain)
    job.result.connect(lambda _state: (print('shown', flush=True), os._exit(0)))
    job.error.connect(lambda *_: os._exit(1))
QTimer.singleShot(0, compose)  # clicked at once: it queues behind the loading
app.exec()
"""

SHOW_BARE = """
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget
app = QApplication([])
w = QWidget(); w.resize(1200, 800); w.show()
QTimer.singleShot(0, lambda: (print('shown', flush=True), app.quit()))
app.exec()
"""


def time_to_window(code: str, runs: int) -> float:
    """Median seconds from spawning a Python process to its window being shown (or to what else
    ``code`` announces by printing "shown")."""
    times = []
    env = {**os.environ, "SEGUE_HOME": tempfile.mkdtemp(prefix="segue-bench-")}
    if not env.get("DISPLAY"):
        env["QT_QPA_PLATFORM"] = "offscreen"
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                                env=env, stderr=subprocess.DEVNULL)
        assert proc.stdout is not None
        line = proc.stdout.readline()
        elapsed = time.perf_counter() - start
        proc.wait()
        if line.strip() != "shown":
            raise SystemExit(f"the child did not say 'shown' (got {line!r})")
        times.append(elapsed)
    return statistics.median(times)


def busy_python(seconds: float, *, progress, cancelled) -> int:
    """A GIL-holding CPU job, like pure-Python feature extraction."""
    end = time.monotonic() + seconds
    total = 0
    while time.monotonic() < end and not cancelled():
        total += sum(i * i for i in range(2000))
    return total


def settle(app, window, at_least_s: float = 4.0, at_most_s: float = 120.0) -> None:
    """Let first-launch work (the demo library scan starts ~2.5 s after launch) finish first."""
    start = time.monotonic()
    while time.monotonic() - start < at_most_s:
        app.processEvents()
        time.sleep(0.01)
        if time.monotonic() - start > at_least_s and not window.runner.active:
            return


def stall_percentiles(seconds: float, with_job: bool) -> tuple[float, float]:
    """p50/p99 of (tick gap − 5 ms) in ms, with or without the CPU job on the engine thread."""
    from PySide6.QtCore import QElapsedTimer, QTimer
    from PySide6.QtWidgets import QApplication

    from app.main_window import MainWindow
    from engine.paths import prepare_home

    app = QApplication.instance() or QApplication([])
    window = MainWindow(prepare_home())
    window.show()
    window.load_behind()
    settle(app, window)
    gaps: list[float] = []
    clock = QElapsedTimer()
    clock.start()
    last = [clock.nsecsElapsed()]

    def tick() -> None:
        now = clock.nsecsElapsed()
        gaps.append(max(0.0, (now - last[0]) / 1e6 - 5.0))
        last[0] = now

    probe = QTimer()
    probe.setInterval(5)
    probe.timeout.connect(tick)
    probe.start()
    if with_job:
        job = window.runner.submit(busy_python, seconds, title="bench")
        job.finished.connect(app.quit)
    else:
        QTimer.singleShot(int(seconds * 1000), app.quit)
    app.exec()
    probe.stop()
    window.close()
    gaps.sort()
    return gaps[len(gaps) // 2], gaps[min(len(gaps) - 1, int(len(gaps) * 0.99))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--quick", action="store_true", help="one run, 1 s stall probes")
    args = parser.parse_args()
    if args.quick or os.environ.get("SEGUE_BENCH_QUICK", "") not in ("", "0"):  # make test
        args.runs, args.seconds = 1, 1.0
    if not os.environ.get("DISPLAY"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    os.environ.setdefault("SEGUE_HOME", tempfile.mkdtemp(prefix="segue-bench-"))

    bare = time_to_window(SHOW_BARE, args.runs)
    segue = time_to_window(SHOW_SEGUE, args.runs)
    first_compose = time_to_window(COMPOSE_SEGUE, min(args.runs, 3))
    # Steady state: the first window in this SEGUE_HOME scans the demo library, then settles.
    idle_p50, idle_p99 = stall_percentiles(args.seconds, with_job=False)
    busy_p50, busy_p99 = stall_percentiles(args.seconds, with_job=True)
    figures = {
        "window_s": round(segue, 3),
        "bare_qt_window_s": round(bare, 3),
        "window_ratio_vs_bare_qt": round(segue / bare, 2),
        "first_compose_s": round(first_compose, 3),
        "stall_p50_ms": round(busy_p50, 2),
        "stall_p99_ms": round(busy_p99, 2),
        "idle_stall_p50_ms": round(idle_p50, 2),
        "idle_stall_p99_ms": round(idle_p99, 2),
        "goal_window_s": 0.5,
        "goal_window_ratio_vs_bare_qt": 4.0,
        "goal_stall_p99_ms": 8.0,
    }
    print(f"main window shown in {segue:.3f} s (median of {args.runs}); bare Qt window {bare:.3f} s "
          f"-> ratio {segue / bare:.2f} (goals <= 0.5 s and ratio <= 4)")
    print(f"first Compose clicked as the window shows: result {first_compose:.3f} s after start "
          f"(median of {min(args.runs, 3)})")
    print(f"event-loop stall during a {args.seconds:.0f} s CPU job: p50 {busy_p50:.2f} ms, "
          f"p99 {busy_p99:.2f} ms; idle p50 {idle_p50:.2f} ms, p99 {idle_p99:.2f} ms (goal p99 <= 8 ms)")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
