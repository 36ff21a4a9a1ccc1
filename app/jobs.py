"""The job runner: the only place in ``app/`` that starts threads.

Engine callables run on a worker ``QThread`` (one per *lane*; the default lane ``"engine"`` is
Segue's single engine thread, so engine work is ordered). Each :class:`Job` emits ``started``,
``progress(fraction, message)``, then ``result(value)``, ``error(message, details)`` or
``cancelled()``, and always ``finished()``. The callable receives plain ``progress`` and
``cancelled`` keyword arguments, so engine code stays Qt-free.
"""

from __future__ import annotations

import importlib
import threading
import traceback
from collections.abc import Callable
from types import ModuleType
from typing import Any

from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

from engine.jobs import Cancelled
from engine.logsetup import get_logger

log = get_logger(__name__)

# Worker threads that did not stop in time at shutdown: kept referenced (destroying a running
# QThread aborts the process) until wait_for_lingering() at application exit.
_LINGERING: list[_Lane] = []


class EngineModule:
    """An engine module the GUI names without importing it (so the window opens quickly).

    ``service = EngineModule("engine.library.service")`` stands for the module in a panel;
    ``runner.submit(service.list_tracks, …)`` imports it when the job runs, on the worker thread,
    so heavy imports (SQLAlchemy, numpy, torch) neither delay the window nor stall the GUI thread.
    Every attribute is an :class:`EngineCall` (functions only: read constants from the module).
    """

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> EngineCall:
        if attr.startswith("__"):
            raise AttributeError(attr)
        return EngineCall(self._name, attr)

    def load(self) -> ModuleType:
        """Import the module now (on the calling thread) and return it."""
        return importlib.import_module(self._name)


class EngineCall:
    """``module.function`` looked up when called: the import happens then, and a test's
    monkeypatch of the function is honoured."""

    def __init__(self, module: str, name: str) -> None:
        self.module = module
        self.__name__ = name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Import the module (once; then a dictionary look-up) and call the function."""
        return getattr(importlib.import_module(self.module), self.__name__)(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<engine call {self.module}.{self.__name__}>"


class Job(QObject):
    """One unit of engine work and its signals; ``cancel()`` asks it to stop at its next check."""

    started = Signal()
    progress = Signal(float, str)
    result = Signal(object)
    error = Signal(str, str)
    cancelled = Signal()
    finished = Signal()

    def __init__(self, title: str, func: Callable[..., Any], args: tuple, kwargs: dict) -> None:
        super().__init__()
        self.title = title
        self._func = func
        self._args = args
        self._kwargs = kwargs
        self._cancel_event = threading.Event()
        self.done = False  # set before ``finished`` is emitted (its handlers see it)
        self.signalled = False  # set after: every handler of the outcome has been queued

    def cancel(self) -> None:
        """Ask the job to stop; engine code sees it through ``cancelled()``."""
        self._cancel_event.set()

    def is_cancelled(self) -> bool:
        """Tell whether cancellation was requested."""
        return self._cancel_event.is_set()

    def _report(self, fraction: float, message: str = "") -> None:
        self.progress.emit(float(fraction), str(message))

    def run(self) -> None:
        """Run the callable on the current (worker) thread and emit the outcome."""
        try:
            if self.is_cancelled():
                self.cancelled.emit()
                return
            self.started.emit()
            value = self._func(
                *self._args, progress=self._report, cancelled=self.is_cancelled, **self._kwargs
            )
        except Cancelled:
            self.cancelled.emit()
        except Exception as exc:  # noqa: BLE001 - every engine error must reach the GUI, not crash it
            log.exception("job %r failed", self.title)
            message = str(exc) or type(exc).__name__
            self.error.emit(message, traceback.format_exc())
        else:
            if self.is_cancelled():
                self.cancelled.emit()
            else:
                self.result.emit(value)
        finally:
            self.done = True
            self.finished.emit()
            self.signalled = True


class _Worker(QObject):
    """Lives on a worker thread and runs the jobs it is handed, one at a time, in order."""

    @Slot(object)
    def run_job(self, job: Job) -> None:
        job.run()


class _Lane(QObject):
    submit = Signal(object)

    def __init__(self, name: str) -> None:
        super().__init__()
        self.thread = QThread()
        self.thread.setObjectName(f"segue-{name}")
        self.worker = _Worker()
        self.worker.moveToThread(self.thread)
        self.submit.connect(self.worker.run_job)
        self.thread.start()


class JobRunner(QObject):
    """Submits engine callables to worker threads and tracks the active jobs for the status bar."""

    job_added = Signal(object)
    job_done = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lanes: dict[str, _Lane] = {}
        self.active: list[Job] = []
        self._closed = False

    def submit(
        self,
        func: Callable[..., Any],
        *args: Any,
        title: str = "",
        lane: str = "engine",
        **kwargs: Any,
    ) -> Job:
        """Queue ``func(*args, progress=..., cancelled=..., **kwargs)`` on ``lane``; return its Job.

        Connect to the job's signals right after this call: the job is handed to its worker
        thread only once control returns to the GUI event loop (see :meth:`start`), so no outcome
        is emitted before the caller's connections exist.
        """
        job = self.prepare(func, *args, title=title, **kwargs)
        self.start(job, lane=lane)
        return job

    def prepare(self, func: Callable[..., Any], *args: Any, title: str = "", **kwargs: Any) -> Job:
        """Create a Job without starting it, so signals can be connected first."""
        return Job(title or getattr(func, "__name__", "job"), func, args, kwargs)

    def start(self, job: Job, lane: str = "engine") -> None:
        """Queue a prepared job for its lane's worker thread; after :meth:`shutdown` nothing starts
        (a result handled while the window closes may ask for more work: a new worker thread
        would outlive the window and abort the process at exit).

        The hand-off waits for the GUI event loop: an idle worker would otherwise run a quick job
        at once, and its ``result`` could be emitted before the caller connected to it (lost: the
        caller then waits forever). Jobs started in one go keep their order.
        """
        if self._closed:
            job.cancel()
            log.info("job %r not started: the window is closing", job.title)
            return
        self.active.append(job)
        job.finished.connect(lambda: self._on_finished(job))
        self.job_added.emit(job)
        QTimer.singleShot(0, self, lambda: self._hand_over(job, lane))

    def _hand_over(self, job: Job, lane: str) -> None:
        if self._closed:  # the window closed before the job reached its thread
            job.cancel()
            job.run()  # emits cancelled and finished here, on the GUI thread
            return
        if lane not in self._lanes:
            self._lanes[lane] = _Lane(lane)
        self._lanes[lane].submit.emit(job)

    def _on_finished(self, job: Job) -> None:
        if job in self.active:
            self.active.remove(job)
        self.job_done.emit(job)

    def cancel_all(self) -> None:
        """Ask every queued or running job to stop."""
        for job in list(self.active):
            job.cancel()

    def shutdown(self, timeout_ms: int = 3000) -> None:
        """Cancel all jobs and stop the worker threads (called when the window closes)."""
        self._closed = True
        self.cancel_all()
        for lane in self._lanes.values():
            lane.thread.quit()
        for lane in self._lanes.values():
            if not lane.thread.wait(timeout_ms):
                log.warning("worker thread %s did not stop in time", lane.thread.objectName())
                _LINGERING.append(lane)
        self._lanes.clear()


def wait_for_lingering(timeout_ms: int = 10_000) -> bool:
    """At exit, wait for worker threads that outlived their runner; True if all have stopped."""
    return all(lane.thread.wait(timeout_ms) for lane in _LINGERING)
