"""The local pool of analysis processes a scan uses: bounded work in flight, workers that die with it.

:func:`analyse_in_pool` runs :func:`engine.library.analysis.track.analyse_file` over the pending
files in ``spawn`` processes (never ``fork`` from a process running Qt threads), at most three
files per worker in flight so memory stays bounded. Workers die with the scan even when it is
SIGKILLed (:func:`_worker_init`).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable

from engine.jobs import CancelledFn, check_cancelled

Record = Callable[[dict[str, object]], None]


def _worker_init(parent_pid: int) -> None:
    """Pool-worker start-up: die with the scanning process, even when it is SIGKILLed.

    Linux: ``PR_SET_PDEATHSIG`` asks the kernel to send SIGKILL when the parent goes. Everywhere: a
    watchdog thread exits as soon as the parent pid changes (the worker was orphaned).
    """
    import threading

    if sys.platform.startswith("linux"):
        try:
            import ctypes
            import signal

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="segue-orphan-watch", daemon=True).start()


def max_workers() -> int:
    """The most analysis processes a scan may use: the CPU count."""
    return max(1, os.cpu_count() or 1)


def analyse_in_pool(todo: list[str], workers: int, record: Record,
                    cancelled: CancelledFn) -> None:
    """Run :func:`~engine.library.analysis.track.analyse_file` over ``todo`` in ``workers``
    processes, a bounded number in flight, calling ``record`` with each result (one file per
    task: cancel waits for one file)."""
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    from engine.library.analysis.track import analyse_file

    context = multiprocessing.get_context("spawn")  # never fork a process that runs Qt threads
    queue = iter(todo)
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_worker_init,
                             initargs=(os.getpid(),)) as pool:
        in_flight = set()
        try:
            while True:
                while len(in_flight) < workers * 3:
                    path = next(queue, None)
                    if path is None:
                        break
                    in_flight.add(pool.submit(analyse_file, path))
                if not in_flight:
                    break
                done, in_flight = wait(in_flight, timeout=0.2, return_when=FIRST_COMPLETED)
                for future in done:
                    record(future.result())
                check_cancelled(cancelled)
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
