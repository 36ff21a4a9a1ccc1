"""The job runner: progress and results, cancellation, errors, and a responsive GUI thread."""

from __future__ import annotations

import threading
import time

import pytest
from PySide6.QtCore import QElapsedTimer, QThread, QTimer

from app.jobs import JobRunner
from app.main_window import MainWindow
from engine.jobs import check_cancelled
from engine.paths import prepare_home


@pytest.fixture
def runner(qtbot):
    job_runner = JobRunner()
    yield job_runner
    job_runner.shutdown()


def count_to(n: int, *, progress, cancelled) -> dict:
    thread = threading.current_thread().name
    for i in range(n):
        check_cancelled(cancelled)
        progress((i + 1) / n, f"step {i + 1}")
    return {"total": n, "thread": thread, "qt_thread": QThread.currentThread().objectName()}


def test_job_reports_progress_and_result_on_a_worker_thread(qtbot, runner):
    job = runner.prepare(count_to, 5, title="Counting")
    reports: list[tuple[float, str]] = []
    values: list[dict] = []
    job.progress.connect(lambda f, m: reports.append((f, m)))
    job.result.connect(values.append)
    with qtbot.waitSignals([job.started, job.result, job.finished], timeout=5000):
        runner.start(job)
    qtbot.waitUntil(lambda: len(values) == 1, timeout=2000)
    value = values[0]
    assert value["total"] == 5
    assert value["qt_thread"] == "segue-engine"
    qtbot.waitUntil(lambda: len(reports) == 5, timeout=2000)
    assert reports[-1] == (1.0, "step 5")
    assert [f for f, _ in reports] == sorted(f for f, _ in reports)


def slow_loop(*, progress, cancelled) -> int:
    steps = 0
    while steps < 10_000:
        check_cancelled(cancelled)
        time.sleep(0.01)
        steps += 1
    return steps


def test_cancelled_job_stops_within_500_ms(qtbot, runner):
    job = runner.prepare(slow_loop, title="Slow")
    result_values: list[object] = []
    job.result.connect(result_values.append)
    with qtbot.waitSignal(job.started, timeout=3000):
        runner.start(job)
    clock = time.monotonic()
    with qtbot.waitSignals([job.cancelled, job.finished], timeout=2000):
        job.cancel()
    assert time.monotonic() - clock < 0.5
    assert result_values == []
    assert runner.active == []


def explode(*, progress, cancelled) -> None:
    raise ValueError("tune.mid: no melody track")


def test_failing_job_shows_an_error_and_the_app_stays_usable(qtbot):
    window = MainWindow(prepare_home())
    qtbot.addWidget(window)
    window.show()
    shown: list[str] = []  # the status bar is transient: a panel's own note may follow it
    window.statusBar().messageChanged.connect(shown.append)
    failing = window.runner.prepare(explode, title="Import")
    with qtbot.waitSignal(failing.error, timeout=3000) as blocker:
        window.runner.start(failing)
    message, details = blocker.args
    assert message == "tune.mid: no melody track"
    assert "ValueError" in details
    qtbot.waitUntil(lambda: hasattr(window, "last_error_box"), timeout=2000)
    assert window.last_error_box.text() == "tune.mid: no melody track"
    assert not window.last_error_box.isModal()
    assert any("Import failed" in text for text in shown), shown
    again = window.runner.prepare(count_to, 3, title="After")
    with qtbot.waitSignal(again.result, timeout=3000) as after:
        window.runner.start(again)
    assert after.args[0]["total"] == 3
    window.close()


def test_jobs_on_one_lane_run_in_order(qtbot, runner):
    order: list[int] = []

    def record(i: int, *, progress, cancelled) -> int:
        time.sleep(0.02)
        order.append(i)
        return i

    jobs = [runner.submit(record, i, title=f"job {i}") for i in range(4)]
    qtbot.waitUntil(lambda: all(j.done for j in jobs), timeout=5000)
    assert order == [0, 1, 2, 3]


def busy_python(seconds: float, *, progress, cancelled) -> int:
    end = time.monotonic() + seconds
    total = 0
    while time.monotonic() < end:
        check_cancelled(cancelled)
        total += sum(i * i for i in range(2000))
    return total


def test_gui_thread_stays_responsive_during_a_cpu_job(qtbot, runner):
    stalls: list[float] = []
    clock = QElapsedTimer()
    clock.start()
    last = [clock.elapsed()]

    def tick() -> None:
        now = clock.elapsed()
        stalls.append(now - last[0])
        last[0] = now

    probe = QTimer()
    probe.setInterval(5)
    probe.timeout.connect(tick)
    probe.start()
    job = runner.submit(busy_python, 1.5, title="Busy")
    qtbot.waitUntil(lambda: job.done, timeout=10_000)
    probe.stop()
    assert len(stalls) > 50
    assert max(stalls) < 200, f"worst event-loop stall {max(stalls)} ms"


def stubborn(seconds: float, *, progress, cancelled) -> str:
    time.sleep(seconds)  # ignores cancellation, like a blocking device open
    return "late"


def test_shutdown_keeps_a_stuck_thread_alive_instead_of_aborting(qtbot):
    from app import jobs

    runner = JobRunner()
    job = runner.prepare(stubborn, 0.6, title="Stuck")
    with qtbot.waitSignal(job.started, timeout=3000):
        runner.start(job)
    runner.shutdown(timeout_ms=50)
    assert len(jobs._LINGERING) >= 1
    assert jobs.wait_for_lingering(5000)


def test_work_asked_for_after_shutdown_never_starts_a_thread(qtbot):
    calls: list[int] = []
    runner = JobRunner()
    done = runner.submit(lambda *, progress, cancelled: calls.append(1), title="Before")
    qtbot.waitUntil(lambda: done.done, timeout=3000)
    qtbot.waitUntil(lambda: done.signalled, timeout=3000)  # set after finished is emitted
    runner.shutdown(timeout_ms=1000)
    late = runner.submit(lambda *, progress, cancelled: calls.append(2), title="After close")
    qtbot.wait(200)
    assert calls == [1]  # the job before the close ran, the one after did not
    assert late.is_cancelled() and not late.done
    assert runner._lanes == {} and runner.active == []  # no worker thread left to outlive it


def test_a_result_is_not_lost_when_the_gui_thread_connects_late(qtbot, runner):
    """Panels connect ``result`` right after ``submit``; a quick job on an idle lane must not
    finish (and emit to nobody) before that: seen as 60 s GUI-test timeouts under CPU load."""
    warm = runner.submit(lambda *, progress, cancelled: None, title="Start the lane")
    qtbot.waitUntil(lambda: warm.signalled, timeout=3000)
    job = runner.submit(lambda *, progress, cancelled: 42, title="Quick")
    time.sleep(0.3)  # the GUI thread is descheduled between submit and connect
    values: list[int] = []
    job.result.connect(values.append)
    qtbot.waitUntil(lambda: values == [42], timeout=3000)
