"""The analysis side of a scan: what one file gives, and the local pool of worker processes.

:func:`analyse_one` runs in a pool process, in the scanning process or on a Dask worker and never
raises: a file it cannot use comes back as ``{"path", "reason"}``. It opens regular files only
(:func:`not_a_file`): a FIFO, socket or device named like audio is refused from its ``stat``,
never opened, so it cannot hang the scan. :func:`analyse_in_pool` keeps a bounded number of files
in flight in ``spawn`` processes that die with the scan.
"""

from __future__ import annotations

import os
import stat
import sys
import time
from collections.abc import Callable

import numpy as np

from engine.jobs import CancelledFn, check_cancelled

Record = Callable[[dict[str, object]], None]
_KINDS = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISDIR, "a folder"))


def not_a_file(mode: int) -> str:
    """The skip reason for a ``stat`` mode that is not a regular file, else ``""``."""
    if stat.S_ISREG(mode):
        return ""
    kind = next((name for test, name in _KINDS if test(mode)), "a special file")
    return f"not a regular file ({kind}); never opened"


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


def analyse_one(path: str) -> dict[str, object]:
    """Worker-process entry: decode and analyse one file, read its tags; never raises."""
    from engine.library.audio_decode import DecodeError, decode
    from engine.library.features import FEATURE_NAMES, FEATURE_VERSION, analyse_samples
    from engine.library.fingerprint import fingerprint
    from engine.library.nonmusic import music_score
    from engine.library.scan_extras import analyse_extras
    from engine.library.tags import read_tags

    try:
        reason = not_a_file(os.stat(path).st_mode)  # replaced by a FIFO since the reconcile?
    except OSError:
        reason = ""  # missing or unreadable: decode() gives the reason a scan always gave
    if reason:
        return {"path": path, "reason": reason}
    try:
        decoded = decode(path)
        vector, stability = analyse_samples(decoded.samples, decoded.sample_rate)
        pulse = float(vector[FEATURE_NAMES.index("pulse_clarity")])
        prints = fingerprint(decoded.samples, decoded.sample_rate)
        extras = analyse_extras(path, decoded.samples, decoded.sample_rate)  # patches, lyrics
    except DecodeError as exc:
        return {"path": path, "reason": str(exc)}
    except MemoryError:
        return {"path": path, "reason": "too big to analyse (out of memory)"}
    except Exception as exc:  # noqa: BLE001 - one bad file must never stop the scan
        return {"path": path, "reason": f"analysis failed: {type(exc).__name__}: {exc}"}
    return {
        "path": path,
        "vector": vector.astype(np.float32).tobytes(),
        "version": FEATURE_VERSION,
        "duration": float(decoded.duration),
        "tempo": float(vector[0]),
        "music_score": music_score(stability, pulse),
        "fingerprint": prints,
        "tags": read_tags(path),
        **extras,
    }


def analyse_file(path: str) -> dict[str, object]:
    """:func:`analyse_one` with BLAS/OpenMP at one thread (the same floats in every process)."""
    from engine.library.onethread import single_threaded

    return single_threaded(analyse_one, path)


def analyse_in_pool(todo: list[str], workers: int, record: Record,
                    cancelled: CancelledFn) -> None:
    """Run :func:`analyse_file` over ``todo`` in ``workers`` processes, a bounded number in
    flight, calling ``record`` with each result (one file per task: cancel waits for one file)."""
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

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
